import { describe, expect, it } from 'vitest'
import { dailyFlows, lastDays, type FlowLine } from '@/charts/flows'

function line(created_at: string, direction: string, amount_minor: number, status = 'posted'): FlowLine {
  return { amount_minor, direction, created_at, status }
}

describe('daily flows', () => {
  it('lists the last days up to today, across a month end', () => {
    expect(lastDays('2026-03-02', 3)).toEqual(['2026-02-28', '2026-03-01', '2026-03-02'])
  })

  it('sums money in and out per Beijing business day in fen, leaving released holds out', () => {
    const days = lastDays('2026-03-02', 2)
    const flows = dailyFlows([
      line('2026-03-01T02:00:00Z', 'credit', 150000),
      line('2026-03-01T16:30:00Z', 'debit', 50000), // 00:30 on 03-02 in Beijing
      line('2026-03-02T01:00:00Z', 'debit', -1),
      line('2026-03-02T01:00:00Z', 'debit', 99999, 'voided'),
      line('2026-02-01T01:00:00Z', 'credit', 7),
    ], days)
    expect(flows).toEqual({ days, inMinor: [150000, 0], outMinor: [0, 50001] })
  })
})
