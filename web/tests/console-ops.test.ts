import { describe, expect, it } from 'vitest'
import { businessDate, idempotencyKey, pageOf, useAction } from '@/views/admin/ops'

describe('console helpers', () => {
  it('turns a list answer into a cursor page, a missing cursor being the last page', async () => {
    const answer = (data: { items: number[]; next_cursor?: string | null }) =>
      Promise.resolve({ data, response: new Response() })
    expect(await pageOf(answer({ items: [1, 2], next_cursor: 'abc' }))).toEqual({ items: [1, 2], next_cursor: 'abc' })
    expect(await pageOf(answer({ items: [3] }))).toEqual({ items: [3], next_cursor: null })
  })

  it('runs an action, keeping its error or its notice', async () => {
    const action = useAction()
    expect(await action.run(async () => 7, 'done')).toBe(7)
    expect(action.notice.value).toBe('done')
    expect(await action.run(async () => { throw new Error('refused') }, 'done')).toBeUndefined()
    expect((action.error.value as Error).message).toBe('refused')
    expect(action.notice.value).toBe('')
    expect(action.busy.value).toBe(false)
  })

  it('gives business dates in Asia/Shanghai and fresh idempotency keys', () => {
    expect(businessDate()).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    const today = new Date(`${businessDate()}T00:00:00Z`).getTime()
    expect(new Date(`${businessDate(1)}T00:00:00Z`).getTime() - today).toBe(86_400_000)
    expect(idempotencyKey()).not.toBe(idempotencyKey())
  })
})
