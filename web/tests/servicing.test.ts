import { describe, expect, it } from 'vitest'
import servicing from '@/locales/servicing'
import routes, { LOAN_READERS, WRITE_OFF_ROLES } from '@/routes/servicing'

describe('servicing pages', () => {
  it('names every state and bucket the API returns in both languages', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      expect(Object.keys(servicing[locale].status).sort()).toEqual(
        ['compensated', 'disbursed', 'due', 'overdue', 'paid', 'paid_off', 'partial', 'scheduled', 'written_off'])
      expect(Object.keys(servicing[locale].bucket).sort()).toEqual(['M1', 'M2', 'M3+', 'current'])
    }
  })

  it('asks for the roles the server asks for', () => {
    const overdue = routes.find((route) => route.path === '/admin/lending/overdue')
    expect(overdue?.meta?.roles).toEqual(LOAN_READERS)
    expect(WRITE_OFF_ROLES.every((role) => LOAN_READERS.includes(role))).toBe(true)
    const disclosure = routes.find((route) => route.path === '/disclosure')
    expect(disclosure?.meta?.auth).toBeUndefined()
  })
})
