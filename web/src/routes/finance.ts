/** The operations and finance console. */
import type { AreaRoutes } from '@/router'

export const FINANCE_ROLES = ['finance', 'admin', 'risk_officer', 'auditor']
/** May create and release judicial freezes. */
export const FREEZE_ROLES = ['finance', 'admin', 'risk_officer']

function page(path: string, view: () => Promise<unknown>, key: string, order: number) {
  return {
    path, component: view,
    meta: {
      staff: true, roles: FINANCE_ROLES, title: `finance.title.${key}`,
      menu: { group: 'console' as const, label: `finance.menu.${key}`, icon: key, order },
    },
  }
}

const routes: AreaRoutes = [
  page('/admin/funds', () => import('@/views/admin/finance/FundStatsView.vue'), 'funds', 40),
  page('/admin/payments', () => import('@/views/admin/finance/PaymentsView.vue'), 'payments', 42),
  page('/admin/payments/stuck', () => import('@/views/admin/finance/StuckOrdersView.vue'), 'stuck', 44),
  page('/admin/reconciliation', () => import('@/views/admin/finance/ReconciliationView.vue'), 'reconciliation', 46),
  page('/admin/freezes', () => import('@/views/admin/finance/FreezesView.vue'), 'freezes', 48),
  page('/admin/ledger', () => import('@/views/admin/finance/LedgerView.vue'), 'ledger', 50),
]

export default routes
