import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { buildRouter } from '@/router'
import { session } from '@/session'

const state = vi.hoisted(() => ({ hasSession: false, me: null as unknown }))
vi.mock('@/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api')>()),
  client: { get hasSession() { return state.hasSession } },
  api: { me: async () => state.me },
}))

function investor(roles = ['investor']) {
  return { user_id: 1, phone: '138****8000', email: null, roles, kyc_status: 'verified', risk_level: 'C3' }
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
})
