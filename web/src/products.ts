/** What a product's figures mean to a buyer. */
import type { Schemas } from './api/http'

/** The figures these read (a product or a sales row). */
type Product = Partial<Pick<Schemas['ProductOut'],
  'status' | 'raise_start_at' | 'raise_end_at' | 'raise_cap_minor' | 'raise_target_minor' | 'sold_minor'>>

/** `not_started` / `raise_ended` while the status says raising but the clock is outside the
 * raise period (the status changes only when the scheduler closes the raise). */
export function saleState(product: Product, now: number = Date.now()): string {
  const status = String(product.status ?? 'raising')
  if (status !== 'raising') return status
  const start = Date.parse(String(product.raise_start_at ?? ''))
  const end = Date.parse(String(product.raise_end_at ?? ''))
  if (!Number.isNaN(start) && now < start) return 'not_started'
  if (!Number.isNaN(end) && now >= end) return 'raise_ended'
  return 'raising'
}

/** The cap (the most that can be sold; the target when the server sends none). */
export function raiseCap(product: Product): number | null {
  const cap = product.raise_cap_minor ?? product.raise_target_minor
  return typeof cap === 'number' ? cap : null
}

/** Whole percent of the target sold, for the progress bar only (amounts are never scaled). */
export function targetPercent(product: Product): number | null {
  if (typeof product.sold_minor !== 'number' || !product.raise_target_minor) return null
  return Math.min(100, Math.floor((product.sold_minor * 100) / product.raise_target_minor))
}
