/** The risk officers' console pages. */
import type { AreaRoutes } from '@/router'

export const RISK_READERS = ['risk_officer', 'admin', 'auditor']
export const RISK_OFFICERS = ['risk_officer', 'admin']

const routes: AreaRoutes = [
  {
    path: '/admin/risk', component: () => import('@/views/risk/RiskQueueView.vue'),
    meta: { staff: true, roles: RISK_READERS, title: 'risk.title.queue', menu: { group: 'console', label: 'risk.menu.queue', icon: 'review', order: 30 } },
  },
  {
    path: '/admin/risk/reviews', component: () => import('@/views/risk/RiskReviewsView.vue'),
    meta: { staff: true, roles: RISK_READERS, title: 'risk.title.reviews', menu: { group: 'console', label: 'risk.menu.reviews', icon: 'review', order: 31 } },
  },
  {
    path: '/admin/risk/rules', component: () => import('@/views/risk/RiskRulesView.vue'),
    meta: { staff: true, roles: RISK_READERS, title: 'risk.title.rules', menu: { group: 'console', label: 'risk.menu.rules', icon: 'review', order: 32 } },
  },
  {
    path: '/admin/risk/reports', component: () => import('@/views/risk/RiskReportsView.vue'),
    meta: { staff: true, roles: RISK_READERS, title: 'risk.title.reports', menu: { group: 'console', label: 'risk.menu.reports', icon: 'audit', order: 33 } },
  },
  {
    path: '/admin/risk/model', component: () => import('@/views/risk/RiskModelView.vue'),
    meta: { staff: true, roles: RISK_READERS, title: 'risk.title.model', menu: { group: 'console', label: 'risk.menu.model', icon: 'audit', order: 34 } },
  },
  {
    path: '/admin/risk/drift', component: () => import('@/views/risk/RiskDriftView.vue'),
    meta: { staff: true, roles: RISK_READERS, title: 'risk.title.drift', menu: { group: 'console', label: 'risk.menu.drift', icon: 'audit', order: 35 } },
  },
]

export default routes
