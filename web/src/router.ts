import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from 'vue-router'
import { isSignedIn, isStaff, loadSession, session } from './session'

declare module 'vue-router' {
  interface RouteMeta {
    auth?: boolean
    staff?: boolean
    title?: string
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', component: () => import('./views/HomeView.vue') },
  { path: '/login', component: () => import('./views/LoginView.vue'), meta: { title: '登录' } },
  { path: '/register', component: () => import('./views/RegisterView.vue'), meta: { title: '注册' } },
  { path: '/profile', component: () => import('./views/ProfileView.vue'), meta: { auth: true, title: '个人信息' } },
  { path: '/kyc', component: () => import('./views/KycView.vue'), meta: { auth: true, title: '实名认证' } },
  { path: '/risk', component: () => import('./views/RiskView.vue'), meta: { auth: true, title: '风险测评' } },
  { path: '/account', component: () => import('./views/AccountView.vue'), meta: { auth: true, title: '我的账户' } },
  { path: '/notifications', component: () => import('./views/NotificationsView.vue'), meta: { auth: true, title: '消息' } },
  { path: '/transactions', component: () => import('./views/TransactionsView.vue'), meta: { auth: true, title: '交易明细' } },
  { path: '/products', component: () => import('./views/ProductsView.vue'), meta: { title: '理财产品' } },
  { path: '/products/:id', component: () => import('./views/ProductDetailView.vue'), props: true, meta: { title: '产品详情' } },
  { path: '/holdings', component: () => import('./views/HoldingsView.vue'), meta: { auth: true, title: '我的持仓' } },
  { path: '/borrow', component: () => import('./views/BorrowView.vue'), meta: { auth: true, title: '借款申请' } },
  { path: '/loans', component: () => import('./views/LoansView.vue'), meta: { title: '散标投资' } },
  { path: '/loans/:id', component: () => import('./views/LoanDetailView.vue'), props: true, meta: { title: '借款详情' } },
  { path: '/me/loans', component: () => import('./views/LoansView.vue'), props: { mine: true }, meta: { auth: true, title: '我的借款' } },
  { path: '/me/loans/:id', component: () => import('./views/LoanDetailView.vue'), props: (route) => ({ id: route.params.id, mine: true }), meta: { auth: true, title: '我的借款' } },
  { path: '/admin', redirect: '/admin/products' },
  { path: '/admin/login', component: () => import('./views/LoginView.vue'), props: { staff: true }, meta: { title: '运营登录' } },
  { path: '/admin/products', component: () => import('./views/admin/ProductReviewView.vue'), meta: { auth: true, staff: true, title: '产品审核' } },
  { path: '/admin/audit', component: () => import('./views/admin/AuditView.vue'), meta: { auth: true, staff: true, title: '审计日志' } },
  { path: '/:pathMatch(.*)*', component: () => import('./views/NotFoundView.vue'), meta: { title: '页面不存在' } },
]

export function buildRouter(history = createWebHistory()): Router {
  const router = createRouter({ history, routes })
  router.beforeEach(async (to) => {
    if (!session.loaded) await loadSession()
    if (to.meta.auth && !isSignedIn.value) {
      return { path: to.meta.staff ? '/admin/login' : '/login', query: { redirect: to.fullPath } }
    }
    if (to.meta.staff && !isStaff.value) return { path: '/' }
    return true
  })
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · finplat` : 'finplat'
  })
  return router
}
