/** The investor and borrower portal. */
import type { AreaRoutes } from '@/router'

const routes: AreaRoutes = [
  { path: '/', component: () => import('@/views/HomeView.vue') },
  { path: '/login', component: () => import('@/views/LoginView.vue'), meta: { title: 'app.title.login' } },
  { path: '/register', component: () => import('@/views/RegisterView.vue'), meta: { title: 'app.title.register' } },
  {
    path: '/products', component: () => import('@/views/ProductsView.vue'),
    meta: { title: 'app.title.products', menu: { group: 'portal', label: 'app.menu.products', icon: 'products', order: 10, section: 'invest' } },
  },
  { path: '/products/:id', component: () => import('@/views/ProductDetailView.vue'), props: true, meta: { title: 'app.title.product' } },
  {
    path: '/account', component: () => import('@/views/AccountView.vue'),
    meta: { auth: true, customer: true, title: 'app.title.account', menu: { group: 'portal', label: 'app.menu.account', icon: 'account', order: 30, section: 'assets' } },
  },
  {
    path: '/holdings', component: () => import('@/views/HoldingsView.vue'),
    meta: { auth: true, customer: true, title: 'app.title.holdings', menu: { group: 'portal', label: 'app.menu.holdings', icon: 'holdings', order: 40, section: 'invest' } },
  },
  {
    path: '/transactions', component: () => import('@/views/TransactionsView.vue'),
    meta: { auth: true, customer: true, title: 'app.title.transactions', menu: { group: 'portal', label: 'app.menu.transactions', icon: 'transactions', order: 50, section: 'assets' } },
  },
  // Borrowers' loans live under /me/repayments (servicing); old links still land there.
  { path: '/me/loans', redirect: '/me/repayments' },
  { path: '/me/loans/:id', redirect: (to) => `/me/repayments/${String(to.params.id)}` },
  {
    path: '/profile', component: () => import('@/views/ProfileView.vue'),
    meta: { auth: true, title: 'app.title.profile', menu: { group: 'portal', label: 'app.menu.profile', icon: 'profile', order: 90, section: 'me' } },
  },
  { path: '/kyc', component: () => import('@/views/KycView.vue'), meta: { auth: true, title: 'app.title.kyc' } },
  { path: '/risk', component: () => import('@/views/RiskView.vue'), meta: { auth: true, title: 'app.title.risk' } },
  {
    path: '/notifications', component: () => import('@/views/NotificationsView.vue'),
    meta: { auth: true, customer: true, title: 'app.title.notifications', menu: { group: 'portal', label: 'app.menu.notifications', icon: 'notifications', order: 92, section: 'me' } },
  },
]

export default routes
