import { describe, expect, it } from 'vitest'
import { PRODUCT_RISK_LEVELS, formatInstant, humanize, label, nextDay, options } from '@/format'

describe('format', () => {
  it('shows instants in Beijing time', () => {
    expect(formatInstant('2026-03-02T02:00:00Z')).toBe('2026-03-02 10:00')
    expect(formatInstant('2026-03-01T16:30:00+00:00')).toBe('2026-03-02 00:30')
    expect(formatInstant(null)).toBe('—')
  })

  it('moves to the next calendar day across months and leap days', () => {
    expect(nextDay('2026-03-31')).toBe('2026-04-01')
    expect(nextDay('2028-02-28')).toBe('2028-02-29')
    expect(nextDay('2026-12-31')).toBe('2027-01-01')
  })

  it('labels known values and passes unknown ones through', () => {
    expect(label(PRODUCT_RISK_LEVELS, 'R4')).toBe('R4 中高风险')
    expect(options(PRODUCT_RISK_LEVELS)[0]).toEqual({ value: 'R1', label: 'R1 低风险' })
    expect(label(PRODUCT_RISK_LEVELS, 'R9')).toBe('R9')
    expect(label(PRODUCT_RISK_LEVELS, null)).toBe('—')
    expect(humanize('accrued_yield_minor')).toBe('accrued yield')
  })
})
