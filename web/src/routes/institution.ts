/** The institution's pages: its products and their sales, drafting one, the settlement account
 * and the payouts it owes. An institution user sees only its own institution's data. */
import type { AreaRoutes } from '@/router'

const INSTITUTION = ['institution']

const routes: AreaRoutes = [
  {
    path: '/institution/products', component: () => import('@/views/sales/SalesListView.vue'), props: { institution: true },
    meta: {
      auth: true, roles: INSTITUTION, title: 'institution.productsTitle',
      menu: { group: 'portal', label: 'institution.menu', icon: 'institution', order: 70, section: 'institution' },
    },
  },
  {
    path: '/institution/products/new', component: () => import('@/views/institution/ProductDraftView.vue'),
    meta: { auth: true, roles: INSTITUTION, title: 'institution.newProduct' },
  },
  {
    path: '/institution/products/:id', component: () => import('@/views/institution/InstitutionProductView.vue'), props: true,
    meta: { auth: true, roles: INSTITUTION, title: 'institution.productTitle' },
  },
  {
    path: '/institution/products/:id/edit', component: () => import('@/views/institution/ProductDraftView.vue'), props: true,
    meta: { auth: true, roles: INSTITUTION, title: 'institution.editProduct' },
  },
  {
    path: '/institution/settlement', component: () => import('@/views/institution/SettlementView.vue'),
    meta: {
      auth: true, roles: INSTITUTION, title: 'institution.settlement',
      menu: { group: 'portal', label: 'institution.settlement', icon: 'settlement', order: 71, section: 'institution' },
    },
  },
  {
    path: '/institution/payouts', component: () => import('@/views/institution/PayoutsView.vue'),
    meta: {
      auth: true, roles: INSTITUTION, title: 'institution.payouts',
      menu: { group: 'portal', label: 'institution.payouts', icon: 'payouts', order: 72, section: 'institution' },
    },
  },
]

export default routes
