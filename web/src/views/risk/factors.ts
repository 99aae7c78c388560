/** An alert's top factors in words (the message keys of `risk.factor.*`). */
import { formatMoney } from '@/money'

type Factor = Record<string, unknown>
type Translate = (key: string, values?: Record<string, unknown>) => string

function money(value: unknown): string {
  return typeof value === 'number' ? formatMoney(value) : ''
}

export function describeFactor(factor: Factor, t: Translate): string {
  const name = String(factor.factor ?? '')
  const values: Record<string, unknown> = {
    total: money(factor.total_minor), threshold: money(factor.threshold_minor),
    inflow: money(factor.inflow_minor), outflow: money(factor.outflow_minor),
    mean: money(factor.usual_mean_minor), days: factor.window_days ?? factor.idle_days ?? factor.days,
    count: factor.count, users: factor.users, known: factor.known_devices,
    months: factor.months_of_income, sigma: factor.sigma, score: factor.score,
  }
  return t(`risk.factor.${name}`, values)
}
