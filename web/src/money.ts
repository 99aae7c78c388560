/**
 * Money on screen. Amounts arrive as integers of fen and are formatted with integer arithmetic
 * only (BigInt), so no amount ever passes through a binary float.
 */

const SYMBOLS: Record<string, string> = { CNY: '¥', USD: '$' }

function toBigInt(minor: number | bigint | string): bigint {
  if (typeof minor === 'bigint') return minor
  if (typeof minor === 'number') {
    if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount of fen: ${minor}`)
    return BigInt(minor)
  }
  if (!/^-?\d+$/.test(minor)) throw new RangeError(`not an integer amount of fen: ${minor}`)
  return BigInt(minor)
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** `123456` → `¥1,234.56`; `-5` → `-¥0.05`. */
export function formatMoney(minor: number | bigint | string, currency = 'CNY'): string {
  const value = toBigInt(minor)
  const negative = value < 0n
  const absolute = negative ? -value : value
  const whole = groupThousands((absolute / 100n).toString())
  const fraction = (absolute % 100n).toString().padStart(2, '0')
  const symbol = SYMBOLS[currency] ?? `${currency} `
  return `${negative ? '-' : ''}${symbol}${whole}.${fraction}`
}

/** `formatMoney`, or a dash when the amount is missing. */
export function formatMaybeMoney(minor: unknown, currency = 'CNY'): string {
  if (typeof minor === 'number' || typeof minor === 'bigint') return formatMoney(minor, currency)
  if (typeof minor === 'string' && /^-?\d+$/.test(minor)) return formatMoney(minor, currency)
  return '—'
}

/**
 * What a person typed in yuan (`"1,234.5"`) as integer fen (`123450`), or null when it is not a
 * positive amount with at most two decimals. Parsed as text: no rounding ever happens.
 */
export function parseYuan(text: string): number | null {
  const cleaned = text.trim().replace(/[,，\s]/g, '').replace(/^[¥￥]/, '')
  const match = /^(\d{1,13})(?:\.(\d{0,2}))?$/.exec(cleaned)
  if (!match) return null
  const fen = BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'))
  if (fen <= 0n || fen > BigInt(Number.MAX_SAFE_INTEGER)) return null
  return Number(fen)
}

/** A decimal rate string (`"0.0490"`) as a percentage (`"4.90%"`), by moving the decimal point. */
/** Basis points as a percentage: 150 → "1.50%". */
export function formatBps(bps: number | null | undefined): string {
  if (bps == null) return '—'
  return formatRate((bps / 10000).toFixed(4))
}

export function formatRate(rate: string | null | undefined): string {
  if (rate == null) return '—'
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(rate.trim())
  if (!match) return rate
  const [, sign, whole, fraction = ''] = match
  const padded = fraction.padEnd(2, '0')
  const intPart = (whole + padded.slice(0, 2)).replace(/^0+(?=\d)/, '')
  let rest = padded.slice(2).replace(/0+$/, '')
  if (rest.length < 2) rest = rest.padEnd(2, '0')
  return `${sign}${intPart}.${rest}%`
}
