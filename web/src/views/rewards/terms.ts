/** A coupon's terms in words ("返 ¥10.00 · 满 ¥1,000.00 可用"), for offers and coupons alike. */
import { formatMoney } from '@/money'

interface Terms { kind: string; cashback_minor: number; rate_boost_bps: number; rate_boost_cap_minor: number; min_order_minor: number }
type Translate = (key: string, values?: Record<string, unknown>) => string

export function couponTerms(t: Translate, terms: Terms): string {
  const value = terms.kind === 'cashback'
    ? t('rewards.cashback', { amount: formatMoney(terms.cashback_minor) })
    : t('rewards.rateBoost', { rate: `${(terms.rate_boost_bps / 100).toFixed(2)}%`, cap: formatMoney(terms.rate_boost_cap_minor) })
  const minimum = terms.min_order_minor > 0
    ? t('rewards.minOrder', { amount: formatMoney(terms.min_order_minor) }) : t('rewards.noMinimum')
  return `${value} · ${minimum}`
}
