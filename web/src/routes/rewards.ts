/** The investor's rewards: coupons, red packets, points (one page, a tab each). */
import type { AreaRoutes } from '@/router'

const meta = (title: string) => ({ auth: true, customer: true, title })

const routes: AreaRoutes = [
  {
    path: '/me/coupons', component: () => import('@/views/rewards/RewardsView.vue'), props: { tab: 'coupons' },
    meta: { ...meta('rewards.title'), menu: { group: 'portal', label: 'rewards.title', icon: 'rewards', order: 55, section: 'assets' } },
  },
  { path: '/me/red-packets', component: () => import('@/views/rewards/RewardsView.vue'), props: { tab: 'redPackets' }, meta: meta('rewards.title') },
  { path: '/me/points', component: () => import('@/views/rewards/RewardsView.vue'), props: { tab: 'points' }, meta: meta('rewards.title') },
]

export default routes
