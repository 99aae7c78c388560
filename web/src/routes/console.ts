/** The operator console's shell and its first pages (product review, audit log). */
import type { AreaRoutes } from '@/router'

export const REVIEWER_ROLES = ['reviewer', 'admin']

const routes: AreaRoutes = [
  { path: '/admin', component: () => import('@/views/admin/ConsoleHomeView.vue'), meta: { staff: true, title: 'app.title.console' } },
  { path: '/admin/login', component: () => import('@/views/LoginView.vue'), props: { staff: true }, meta: { title: 'app.title.staffLogin' } },
  {
    path: '/admin/products', component: () => import('@/views/admin/ProductReviewView.vue'),
    meta: {
      staff: true, roles: [...REVIEWER_ROLES, 'auditor'], title: 'app.title.review',
      menu: { group: 'console', label: 'app.menu.review', icon: 'review', order: 10 },
    },
  },
  {
    path: '/admin/audit', component: () => import('@/views/admin/AuditView.vue'),
    meta: {
      staff: true, roles: ['auditor', 'admin'], title: 'app.title.audit',
      menu: { group: 'console', label: 'app.menu.audit', icon: 'audit', order: 90 },
    },
  },
]

export default routes
