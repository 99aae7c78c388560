/** Lending origination: apply, listings and bids, agreements, institutions' loan products, and
 * the console's review of loan products and applications. */
import type { AreaRoutes } from '@/router'

const routes: AreaRoutes = [
  {
    path: '/loans', component: () => import('@/views/lending/ListingsView.vue'),
    meta: { auth: true, title: 'origination.title.listings', menu: { group: 'portal', label: 'origination.menu.listings', icon: 'loans', order: 20, section: 'invest' } },
  },
  { path: '/loans/:id', component: () => import('@/views/lending/ListingView.vue'), props: true, meta: { auth: true, title: 'origination.title.listing' } },
  { path: '/loans/:id/agreement', component: () => import('@/views/lending/AgreementView.vue'), props: true, meta: { auth: true, title: 'origination.title.agreement' } },
  { path: '/borrow', component: () => import('@/views/lending/ApplyView.vue'), meta: { auth: true, customer: true, title: 'origination.title.apply' } },
  {
    path: '/institution/loan-products', component: () => import('@/views/lending/LoanProductsView.vue'),
    meta: { auth: true, roles: ['institution'], title: 'origination.title.products', menu: { group: 'portal', label: 'origination.menu.products', icon: 'products', order: 70, section: 'institution' } },
  },
  {
    path: '/admin/lending', component: () => import('@/views/admin/lending/LendingReviewView.vue'),
    meta: {
      staff: true, roles: ['reviewer', 'admin', 'auditor'], title: 'origination.title.console',
      menu: { group: 'console', label: 'origination.menu.console', icon: 'review', order: 20 },
    },
  },
]

export default routes
