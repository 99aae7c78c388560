/** A list endpoint's answer (`{items, next_cursor}`) as the `Page<T>` the pagers use: the
 * generated types leave `next_cursor` optional, the last page has none. */
import { ok } from './http'

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export async function okPage<T>(
  call: Promise<{ data?: { items: T[]; next_cursor?: string | null }; response: Response }>,
): Promise<Page<T>> {
  const data = await ok(call)
  return { items: data?.items ?? [], next_cursor: data?.next_cursor ?? null }
}
