/** Small helpers shared by the support, finance and system console pages. */
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'

/** Runs one action at a time, keeping its error and a success notice for the page to show. */
export function useAction() {
  const busy = ref(false)
  const error = ref<unknown>(null)
  const notice = ref('')
  async function run<T>(work: () => Promise<T>, done?: string): Promise<T | undefined> {
    busy.value = true
    error.value = null
    notice.value = ''
    try {
      const result = await work()
      if (done) notice.value = done
      return result
    } catch (caught) {
      error.value = caught
      return undefined
    } finally {
      busy.value = false
    }
  }
  return { busy, error, notice, run }
}

/** A value's label from `<area>.<group>.<value>`, or the value itself when there is none. */
export function useLabels(area: string) {
  const { t, te } = useI18n()
  return (group: string, value: unknown): string => {
    if (value === null || value === undefined || value === '') return '—'
    const key = `${area}.${group}.${String(value)}`
    return te(key) ? t(key) : String(value)
  }
}

/** A fresh key for a money-moving request (the server replays the first answer per key). */
export function idempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`
}

/** Today's business date (Asia/Shanghai) as `YYYY-MM-DD`, moved by `days`. */
export function businessDate(days = 0): string {
  const shanghai = new Date(Date.now() + 8 * 3600_000 + days * 86_400_000)
  return shanghai.toISOString().slice(0, 10)
}

/** True on a phone-sized screen (tables and descriptions switch to one column). */
export function useNarrow(width = 640) {
  const query = globalThis.matchMedia?.(`(max-width: ${width}px)`)
  const narrow = ref(query?.matches ?? false)
  query?.addEventListener?.('change', (event) => { narrow.value = event.matches })
  return narrow
}

/** One page of a list endpoint, as `useCursorPages` takes it (a missing cursor is the last page). */
export async function pageOf<T>(
  call: Promise<{ data?: { items: T[]; next_cursor?: string | null }; response: Response }>,
): Promise<{ items: T[]; next_cursor: string | null }> {
  const { data } = await call
  return { items: data?.items ?? [], next_cursor: data?.next_cursor ?? null }
}
