/**
 * Routes come from `src/routes/<area>.ts` (default export: an array of routes), collected here,
 * so each area adds its own file. A route's `meta` says who may open it and whether it has a
 * menu entry; the guards below and the menus (`menuEntries`) are built from that alone.
 */
import {
  createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw, type Router,
} from 'vue-router'
import { t } from './i18n'
import { useSessionStore } from './stores/session'

export interface MenuMeta {
  /** `portal`: the investor's header (and phone tab bar); `console`: the operator console. */
  group: 'portal' | 'console'
  /** Message key of the entry's label. */
  label: string
  /** A name from `src/icons.ts`. */
  icon?: string
  /** Position within the group (ascending). */
  order?: number
  /** Portal entries: the section of the header (a drop-down) and of the phone's bottom tab bar
   * (one tab per section, at most five) the entry is filed under. */
  section?: PortalSection
}

/** The portal's sections, in the order of the header and the tab bar; label `app.section.<key>`. */
export const PORTAL_SECTIONS = ['invest', 'assets', 'borrow', 'institution', 'me'] as const
export type PortalSection = typeof PORTAL_SECTIONS[number]

declare module 'vue-router' {
  interface RouteMeta {
    /** Signing in required. */
    auth?: boolean
    /** Operator console page: staff only, signing in goes through /admin/login. */
    staff?: boolean
    /** Any one of these roles is required (implies `auth`). */
    roles?: readonly string[]
    /** A portal page for customers (shown in the menu to them only). */
    customer?: boolean
    /** Message key of the page title. */
    title?: string
    menu?: MenuMeta
  }
}

export type AreaRoutes = RouteRecordRaw[]

const areas = import.meta.glob<{ default: AreaRoutes }>('./routes/*.ts', { eager: true })

const NOT_FOUND: RouteRecordRaw = {
  path: '/:pathMatch(.*)*', component: () => import('./views/NotFoundView.vue'), meta: { title: 'app.title.notFound' },
}

export const routes: RouteRecordRaw[] = [
  ...Object.keys(areas).sort().flatMap((path) => areas[path].default),
  NOT_FOUND,
]

type Session = ReturnType<typeof useSessionStore>

/** May the signed-in user (or a visitor) open a page with this meta? */
export function canOpen(meta: RouteLocationNormalized['meta'], session: Session): boolean {
  if (meta.staff && !session.staff) return false
  if (meta.roles) return session.hasAnyRole(meta.roles)
  if (meta.auth) return session.signedIn
  return true
}

/** The menu of a group, as the signed-in user may see it, in order. */
export function menuEntries(router: Router, group: MenuMeta['group'], session: Session) {
  return router.getRoutes()
    .filter((route) => route.meta.menu?.group === group && canOpen(route.meta, session)
      && (!route.meta.customer || session.customer))
    .map((route) => ({ path: route.path, ...(route.meta.menu as MenuMeta) }))
    .sort((a, b) => (a.order ?? 50) - (b.order ?? 50))
}

export type MenuEntry = ReturnType<typeof menuEntries>[number]

/** The portal's menu by section (sections without an entry the user can open left out); an
 * entry without a section goes under `me`. */
export function portalSections(router: Router, session: Session) {
  const entries = menuEntries(router, 'portal', session)
  return PORTAL_SECTIONS
    .map((key) => ({ key, label: `app.section.${key}`, entries: entries.filter((entry) => (entry.section ?? 'me') === key) }))
    .filter((section) => section.entries.length > 0)
}

export function buildRouter(history = createWebHistory()): Router {
  const router = createRouter({ history, routes })
  router.beforeEach(async (to) => {
    const session = useSessionStore()
    if (!session.loaded) await session.load()
    const needsLogin = to.meta.auth || to.meta.staff || to.meta.roles
    if (needsLogin && !session.signedIn) {
      return { path: to.meta.staff ? '/admin/login' : '/login', query: { redirect: to.fullPath } }
    }
    if (to.meta.staff && !session.staff) return { path: '/' }
    // Staff without the page's role land on the console's home, never on a refusal.
    if (!canOpen(to.meta, session)) return { path: to.meta.staff ? '/admin' : '/' }
    if (to.path === '/admin') {
      const first = menuEntries(router, 'console', session)[0]
      if (first) return { path: first.path }
    }
    return true
  })
  router.afterEach((to) => {
    document.title = to.meta.title ? `${t(to.meta.title)} · finplat` : 'finplat'
  })
  return router
}
