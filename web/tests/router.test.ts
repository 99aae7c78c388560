import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { buildRouter, menuEntries, portalSections } from '@/router'
import { session } from '@/session'
import { profile } from './helpers'

const state = vi.hoisted(() => ({ hasSession: false, me: null as unknown }))
vi.mock('@/api/http', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/http')>()),
  http: (await import('./helpers')).fakeHttp({ 'GET /api/v1/me': () => state.me }),
}))
vi.mock('@/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api')>()),
  client: { get hasSession() { return state.hasSession } },
}))

function investor(roles = ['investor']) {
  return profile(roles)
}

async function landOn(path: string): Promise<string> {
  const router = buildRouter(createMemoryHistory())
  await router.push(path)
  return router.currentRoute.value.fullPath
}

describe('route guards', () => {
  beforeEach(() => {
    session.me = null
    session.loaded = false
    state.hasSession = false
    state.me = null
  })

  it('sends a visitor to the login page and back afterwards', async () => {
    expect(await landOn('/account')).toBe('/login?redirect=/account')
    expect(await landOn('/admin/audit')).toBe('/admin/login?redirect=/admin/audit')
  })

  it('lets anyone browse the catalogue', async () => {
    expect(await landOn('/products/7')).toBe('/products/7')
  })

  it('resumes a session after a reload', async () => {
    state.hasSession = true
    state.me = investor()
    expect(await landOn('/account')).toBe('/account')
    expect(session.me).toMatchObject({ user_id: 1 })
  })

  it('keeps investors out of the operator console and lets staff in', async () => {
    state.hasSession = true
    state.me = investor()
    expect(await landOn('/admin/products')).toBe('/')
    session.loaded = false
    state.me = investor(['reviewer'])
    expect(await landOn('/admin/products')).toBe('/admin/products')
  })

  it('shows a page for unknown paths', async () => {
    const router = buildRouter(createMemoryHistory())
    await router.push('/no/such/page')
    expect(router.currentRoute.value.matched[0]?.path).toBe('/:pathMatch(.*)*')
  })

  it('sends staff without a page\'s role to the console home, never to a refusal', async () => {
    state.hasSession = true
    state.me = investor(['support'])
    expect(await landOn('/admin/audit')).toBe('/admin/users')
    expect(await landOn('/admin/funds')).toBe('/admin/users')
    expect(await landOn('/admin')).toBe('/admin/users')
    session.loaded = false
    state.me = investor(['auditor'])
    expect(await landOn('/admin')).toBe('/admin/products')
    expect(await landOn('/admin/audit')).toBe('/admin/audit')
  })

  it('builds the menus from the routes\' meta and the user\'s roles', async () => {
    const router = buildRouter(createMemoryHistory())
    state.hasSession = true
    state.me = investor(['auditor'])
    await router.push('/')
    const rolesOf = new Map(router.getRoutes().map((route) => [route.path, (route.meta.roles ?? []) as string[]]))
    const consoleMenu = (roles: string[]) => {
      session.me = investor(roles)
      return menuEntries(router, 'console', session).map((entry) => entry.path)
    }
    // Each role's console menu lists exactly the console pages its roles open, nothing it would be refused.
    const withMenu = router.getRoutes().filter((route) => route.meta.menu?.group === 'console')
    for (const role of ['auditor', 'reviewer', 'finance', 'support', 'marketing', 'risk_officer', 'admin']) {
      const menu = consoleMenu([role])
      for (const path of menu) expect(rolesOf.get(path), `${role} sees ${path}`).toContain(role)
      const opened = withMenu.filter((route) => ((route.meta.roles ?? []) as string[]).includes(role)).map((route) => route.path)
      expect([...menu].sort(), role).toEqual([...new Set(opened)].sort())
    }
    expect(consoleMenu(['auditor'])).toEqual(expect.arrayContaining(['/admin/products', '/admin/audit', '/admin/risk']))
    expect(consoleMenu(['auditor'])).not.toContain('/admin/users')
    expect(consoleMenu(['reviewer'])).toEqual(expect.arrayContaining(['/admin/products', '/admin/sales', '/admin/lending']))
    expect(consoleMenu(['reviewer'])).not.toContain('/admin/funds')
    expect(consoleMenu(['finance'])).toEqual(expect.arrayContaining([
      '/admin/funds', '/admin/payments', '/admin/payments/stuck', '/admin/reconciliation', '/admin/freezes', '/admin/ledger',
    ]))
    expect(consoleMenu(['support'])).toEqual(expect.arrayContaining(['/admin/users', '/admin/institutions']))
    expect(consoleMenu(['support'])).not.toContain('/admin/products')
    session.me = investor(['auditor'])
    expect(menuEntries(router, 'portal', session).map((entry) => entry.path)).toEqual(['/products', '/loans', '/profile', '/disclosure'])
    session.me = investor()
    expect(menuEntries(router, 'console', session)).toEqual([])
    expect(menuEntries(router, 'portal', session).map((entry) => entry.label)).toEqual([
      'app.menu.products', 'origination.menu.listings', 'app.menu.account', 'app.menu.holdings', 'servicing.menu.holdings',
      'app.menu.transactions', 'rewards.title', 'servicing.menu.repayments', 'app.menu.profile', 'app.menu.notifications', 'servicing.menu.disclosure',
    ])
    // Grouped into at most five sections: the header's drop-downs and the phone's tabs.
    const sectionsOf = (roles: string[]) => {
      session.me = investor(roles)
      return portalSections(router, session).map((section) => [section.key, section.entries.map((entry) => entry.path)])
    }
    expect(sectionsOf(['investor'])).toEqual([
      ['invest', ['/products', '/loans', '/holdings', '/me/loan-holdings', '/disclosure']],
      ['assets', ['/account', '/transactions', '/me/coupons']],
      ['borrow', ['/me/repayments']],
      ['me', ['/profile', '/notifications']],
    ])
    expect(sectionsOf(['investor', 'borrower', 'institution']).length).toBeLessThanOrEqual(5)
    for (const route of router.getRoutes().filter((r) => r.meta.menu?.group === 'portal')) {
      expect(route.meta.menu?.section, route.path).toBeDefined()
    }
  })
})
