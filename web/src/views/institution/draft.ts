/** The product form's text conversions, done on text (no float ever touches a rate or amount). */

/** `"4.9"` (percent, up to 4 decimals) → `"0.049000"` (the API's decimal fraction), or null. */
export function percentToFraction(text: string): string | null {
  const match = /^(\d{1,3})(?:\.(\d{1,4}))?$/.exec(text.trim().replace(/%$/, ''))
  if (!match) return null
  const millionths = Number(match[1]) * 10_000 + Number((match[2] ?? '').padEnd(4, '0'))
  if (millionths <= 0) return null
  return `${Math.floor(millionths / 1_000_000)}.${String(millionths % 1_000_000).padStart(6, '0')}`
}

/** `"0.0490"` → `"4.9"`: the API's fraction as the percentage the form shows. */
export function fractionToPercent(rate: string): string {
  const match = /^(\d+)(?:\.(\d{0,6}))?/.exec(rate.trim())
  if (!match) return ''
  const millionths = Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'))
  const whole = Math.floor(millionths / 10_000)
  const places = String(millionths % 10_000).padStart(4, '0').replace(/0+$/, '')
  return places ? `${whole}.${places}` : String(whole)
}

/** `123450` fen → `"1234.5"` yuan, as the amount inputs take it back. */
export function yuanText(minor: number | null | undefined): string {
  if (minor == null) return ''
  const cents = String(minor % 100).padStart(2, '0').replace(/0+$/, '')
  return cents ? `${Math.floor(minor / 100)}.${cents}` : String(Math.floor(minor / 100))
}
