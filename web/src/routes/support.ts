/** The support console: users (search, detail, freeze, unmask), institutions, staff and TOTP. */
import type { AreaRoutes } from '@/router'

export const SUPPORT_ROLES = ['admin', 'support']
/** May search users (the search is audited) and see them masked. */
export const USER_SEARCH_ROLES = ['admin', 'support', 'risk_officer']

const routes: AreaRoutes = [
  {
    path: '/admin/users', component: () => import('@/views/admin/support/UsersView.vue'),
    meta: {
      staff: true, roles: USER_SEARCH_ROLES, title: 'support.title.users',
      menu: { group: 'console', label: 'support.menu.users', icon: 'users', order: 20 },
    },
  },
  {
    path: '/admin/users/:id(\\d+)', component: () => import('@/views/admin/support/UserDetailView.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
    meta: { staff: true, roles: USER_SEARCH_ROLES, title: 'support.title.user' },
  },
  {
    path: '/admin/institutions', component: () => import('@/views/admin/support/InstitutionsView.vue'),
    meta: {
      staff: true, roles: SUPPORT_ROLES, title: 'support.title.institutions',
      menu: { group: 'console', label: 'support.menu.institutions', icon: 'institutions', order: 22 },
    },
  },
  {
    path: '/admin/staff', component: () => import('@/views/admin/support/StaffView.vue'),
    meta: {
      staff: true, roles: ['admin'], title: 'support.title.staff',
      menu: { group: 'console', label: 'support.menu.staff', icon: 'staff', order: 24 },
    },
  },
]

export default routes
