import { describe, expect, it, vi } from 'vitest'
import { useCursorPages } from '@/cursor'

const PAGES: Record<string, { items: number[]; next_cursor: string | null }> = {
  first: { items: [30, 29], next_cursor: 'c2' },
  c2: { items: [28, 27], next_cursor: 'c3' },
  c3: { items: [26], next_cursor: null },
}

describe('useCursorPages', () => {
  it('walks forward with next_cursor and back through the cursors it came by', async () => {
    const fetchPage = vi.fn(async (cursor: string | null) => PAGES[cursor ?? 'first'])
    const pages = useCursorPages<number>(fetchPage)
    await pages.first()
    expect(pages.items.value).toEqual([30, 29])
    expect(pages.hasPrevious.value).toBe(false)
    await pages.next()
    await pages.next()
    expect(pages.items.value).toEqual([26])
    expect(pages.hasNext.value).toBe(false)
    await pages.previous()
    expect(pages.items.value).toEqual([28, 27])
    await pages.previous()
    expect(pages.items.value).toEqual([30, 29])
    expect(pages.hasPrevious.value).toBe(false)
    expect(fetchPage.mock.calls.map(([cursor]) => cursor)).toEqual([null, 'c2', 'c3', 'c2', null])
  })

  it('keeps the page it has when loading another fails', async () => {
    const failure = new Error('offline')
    const fetchPage = vi.fn(async (cursor: string | null) => {
      if (cursor === 'c2') throw failure
      return PAGES.first
    })
    const pages = useCursorPages<number>(fetchPage)
    await pages.first()
    await pages.next()
    expect(pages.error.value).toBe(failure)
    expect(pages.items.value).toEqual([30, 29])
    expect(pages.hasPrevious.value).toBe(false)
    expect(pages.busy.value).toBe(false)
  })
})
