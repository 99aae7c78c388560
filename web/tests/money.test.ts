import { describe, expect, it } from 'vitest'
import { formatMaybeMoney, formatMoney, formatRate, parseYuan } from '@/money'

describe('formatMoney', () => {
  it.each([
    [0, '¥0.00'],
    [5, '¥0.05'],
    [100, '¥1.00'],
    [123456, '¥1,234.56'],
    [100000, '¥1,000.00'],
    [-5, '-¥0.05'],
    [-123456789, '-¥1,234,567.89'],
    [Number.MAX_SAFE_INTEGER, '¥90,071,992,547,409.91'],
  ])('%d fen is %s', (minor, text) => {
    expect(formatMoney(minor)).toBe(text)
  })

  it('is exact beyond the range of floats', () => {
    expect(formatMoney(12345678901234567890n)).toBe('¥123,456,789,012,345,678.90')
    expect(formatMoney('900719925474099199')).toBe('¥9,007,199,254,740,991.99')
  })

  it('refuses fractions of a fen instead of rounding them', () => {
    expect(() => formatMoney(1.5)).toThrow(RangeError)
    expect(() => formatMoney(0.1 + 0.2)).toThrow(RangeError)
    expect(() => formatMoney('12.5')).toThrow(RangeError)
  })

  it('shows other currencies by code', () => {
    expect(formatMoney(100, 'USD')).toBe('$1.00')
    expect(formatMoney(100, 'HKD')).toBe('HKD 1.00')
  })

  it('shows a dash for a missing amount', () => {
    expect(formatMaybeMoney(undefined)).toBe('—')
    expect(formatMaybeMoney(null)).toBe('—')
    expect(formatMaybeMoney(250)).toBe('¥2.50')
  })
})

describe('parseYuan', () => {
  it.each([
    ['1', 100],
    ['1.5', 150],
    ['1.05', 105],
    ['0.01', 1],
    ['1,234.56', 123456],
    ['¥ 1000', 100000],
    ['0.1', 10],
    ['1.', 100],
  ])('%s yuan is %d fen', (text, minor) => {
    expect(parseYuan(text)).toBe(minor)
  })

  it.each(['', 'abc', '0', '0.00', '-1', '1.234', '1e3', '.5', '1.2.3', '99999999999999'])('%s is refused', (text) => {
    expect(parseYuan(text)).toBeNull()
  })

  it('never goes through a float (0.29 yuan is 29 fen, not 28)', () => {
    expect(parseYuan('0.29')).toBe(29)
    expect(parseYuan('1.13')).toBe(113)
  })
})

describe('formatRate', () => {
  it.each([
    ['0.0490', '4.90%'],
    ['0.05', '5.00%'],
    ['0.12345', '12.345%'],
    ['1', '100.00%'],
    ['0', '0.00%'],
  ])('%s is %s', (rate, text) => {
    expect(formatRate(rate)).toBe(text)
  })

  it('passes unknown text through and shows a dash for nothing', () => {
    expect(formatRate('n/a')).toBe('n/a')
    expect(formatRate(null)).toBe('—')
  })
})
