/** The marketing console: campaigns with budgets and spend, coupon offers, red packets, points. */
import type { AreaRoutes } from '@/router'

const READERS = ['marketing', 'admin', 'auditor']

const routes: AreaRoutes = [
  {
    path: '/admin/campaigns', component: () => import('@/views/marketing/CampaignsView.vue'),
    meta: {
      staff: true, roles: READERS, title: 'marketing.campaigns',
      menu: { group: 'console', label: 'marketing.campaigns', icon: 'marketing', order: 40 },
    },
  },
  {
    path: '/admin/campaigns/:id', component: () => import('@/views/marketing/CampaignDetailView.vue'), props: true,
    meta: { staff: true, roles: READERS, title: 'marketing.campaign' },
  },
  {
    path: '/admin/points-rules', component: () => import('@/views/marketing/PointsRulesView.vue'),
    meta: {
      staff: true, roles: READERS, title: 'marketing.pointsRules',
      menu: { group: 'console', label: 'marketing.pointsRules', icon: 'points', order: 45 },
    },
  },
]

export default routes
