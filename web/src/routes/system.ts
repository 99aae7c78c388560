/** The system console: scheduled jobs and event deliveries (the audit log is in console.ts). */
import type { AreaRoutes } from '@/router'

export const SYSTEM_ROLES = ['admin', 'auditor']

const routes: AreaRoutes = [
  {
    path: '/admin/system/scheduler', component: () => import('@/views/admin/system/SchedulerView.vue'),
    meta: {
      staff: true, roles: SYSTEM_ROLES, title: 'system.title.scheduler',
      menu: { group: 'console', label: 'system.menu.scheduler', icon: 'scheduler', order: 80 },
    },
  },
  {
    path: '/admin/system/events', component: () => import('@/views/admin/system/EventFailuresView.vue'),
    meta: {
      staff: true, roles: SYSTEM_ROLES, title: 'system.title.events',
      menu: { group: 'console', label: 'system.menu.events', icon: 'events', order: 82 },
    },
  },
]

export default routes
