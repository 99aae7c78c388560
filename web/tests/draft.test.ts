import { describe, expect, it } from 'vitest'
import { fractionToPercent, percentToFraction, yuanText } from '@/views/institution/draft'

describe('the product form’s rate', () => {
  it.each([
    ['4.9', '0.049000'],
    ['4.90%', '0.049000'],
    ['12', '0.120000'],
    ['0.0001', '0.000001'],
    ['100', '1.000000'],
  ])('%s percent is the fraction %s', (percent, fraction) => {
    expect(percentToFraction(percent)).toBe(fraction)
  })

  it.each(['', '0', '4.90001', '-1', '1e2', '４.９', 'abc', '1000'])('refuses %j', (text) => {
    expect(percentToFraction(text)).toBeNull()
  })

  it.each([
    ['0.0490', '4.9'],
    ['0.049000', '4.9'],
    ['0.1200', '12'],
    ['0.000001', '0.0001'],
    ['1.0000', '100'],
  ])('the API’s %s shows as %s percent, and converts back', (fraction, percent) => {
    expect(fractionToPercent(fraction)).toBe(percent)
    expect(percentToFraction(percent)).toBe(fraction.padEnd(8, '0'))
  })
})

describe('amounts put back into the form', () => {
  it.each([
    [123450, '1234.5'],
    [100, '1'],
    [5, '0.05'],
    [100000000, '1000000'],
  ])('%d fen is %s yuan', (minor, text) => {
    expect(yuanText(minor)).toBe(text)
  })

  it('leaves an absent amount empty', () => {
    expect(yuanText(null)).toBe('')
  })
})
