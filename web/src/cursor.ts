/** Cursor pagination state for a list view: the current page and the way back. */
import { computed, ref, shallowRef, type Ref } from 'vue'
import type { Page } from './api/page'

export function useCursorPages<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const error = ref<unknown>(null)
  const busy = ref(false)
  const nextCursor = ref<string | null>(null)
  const trail = ref<(string | null)[]>([])
  const current = ref<string | null>(null)

  async function load(cursor: string | null): Promise<boolean> {
    busy.value = true
    try {
      const page = await fetchPage(cursor)
      items.value = page.items
      nextCursor.value = page.next_cursor
      current.value = cursor
      error.value = null
      return true
    } catch (caught) {
      error.value = caught
      return false
    } finally {
      busy.value = false
    }
  }

  return {
    items, error, busy,
    hasNext: computed(() => nextCursor.value !== null),
    hasPrevious: computed(() => trail.value.length > 0),
    reload: () => load(current.value),
    first: () => { trail.value = []; return load(null) },
    async next() {
      const from = current.value
      if (nextCursor.value !== null && (await load(nextCursor.value))) trail.value.push(from)
    },
    async previous() {
      if (!trail.value.length) return
      const back = trail.value[trail.value.length - 1]
      if (await load(back)) trail.value.pop()
    },
  }
}
