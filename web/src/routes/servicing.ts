/** Loan servicing: the borrower's repayments, the investor's loan holdings, the overdue console,
 * the public disclosure. */
import type { AreaRoutes } from '@/router'

export const LOAN_READERS = ['admin', 'risk_officer', 'reviewer', 'auditor']
export const WRITE_OFF_ROLES = ['admin', 'risk_officer']

const routes: AreaRoutes = [
  {
    path: '/me/repayments', component: () => import('@/views/servicing/RepaymentsView.vue'),
    meta: { auth: true, customer: true, title: 'servicing.title.repayments', menu: { group: 'portal', label: 'servicing.menu.repayments', icon: 'loans', order: 65, section: 'borrow' } },
  },
  {
    path: '/me/repayments/:id', component: () => import('@/views/servicing/LoanRepaymentView.vue'), props: true,
    meta: { auth: true, customer: true, title: 'servicing.title.loan' },
  },
  {
    path: '/me/loan-holdings', component: () => import('@/views/servicing/LoanHoldingsView.vue'),
    meta: { auth: true, customer: true, title: 'servicing.title.holdings', menu: { group: 'portal', label: 'servicing.menu.holdings', icon: 'holdings', order: 45, section: 'invest' } },
  },
  {
    path: '/disclosure', component: () => import('@/views/servicing/DisclosureView.vue'),
    meta: { title: 'servicing.title.disclosure', menu: { group: 'portal', label: 'servicing.menu.disclosure', icon: 'loans', order: 95, section: 'invest' } },
  },
  {
    path: '/admin/lending/overdue', component: () => import('@/views/servicing/OverdueView.vue'),
    meta: {
      staff: true, roles: LOAN_READERS, title: 'servicing.title.overdue',
      menu: { group: 'console', label: 'servicing.menu.overdue', icon: 'loans', order: 50 },
    },
  },
]

export default routes
