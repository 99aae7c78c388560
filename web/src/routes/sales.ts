/** The reviewer's view of every product: sales, raise progress and the actions that move money. */
import type { AreaRoutes } from '@/router'

const READERS = ['reviewer', 'admin', 'auditor']

const routes: AreaRoutes = [
  {
    path: '/admin/sales', component: () => import('@/views/sales/SalesListView.vue'),
    meta: {
      staff: true, roles: READERS, title: 'sales.title',
      menu: { group: 'console', label: 'sales.title', icon: 'sales', order: 15 },
    },
  },
  {
    path: '/admin/sales/:id', component: () => import('@/views/sales/SalesDetailView.vue'), props: true,
    meta: { staff: true, roles: READERS, title: 'sales.detailTitle' },
  },
]

export default routes
