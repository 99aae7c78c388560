/** Money in and out per business day (Asia/Shanghai), from ledger lines, in integer fen. */
import type { Schemas } from '@/api/http'
import { formatDate } from '@/format'

/** What the chart reads of a ledger line. */
export type FlowLine = Pick<Schemas['TransactionOut'], 'amount_minor' | 'direction' | 'status' | 'created_at'>
export interface DailyFlows {
  days: string[]
  inMinor: number[]
  outMinor: number[]
}

const INCOMING = ['credit', 'in']

/** The `days` calendar days ending `today` (`YYYY-MM-DD`), oldest first. */
export function lastDays(today: string, days: number): string[] {
  const [year, month, day] = today.split('-').map(Number)
  return Array.from({ length: days }, (_, index) =>
    new Date(Date.UTC(year, month - 1, day - (days - 1 - index))).toISOString().slice(0, 10))
}

export function dailyFlows(lines: FlowLine[], days: string[]): DailyFlows {
  const inMinor = days.map(() => 0)
  const outMinor = days.map(() => 0)
  for (const line of lines) {
    if (line.status === 'voided') continue
    const index = days.indexOf(formatDate(line.created_at))
    if (index < 0) continue
    const amount = Math.abs(Number(line.amount_minor) || 0)
    if (INCOMING.includes(String(line.direction))) inMinor[index] += amount
    else outMinor[index] += amount
  }
  return { days, inMinor, outMinor }
}
