/** The unread count the header's bell shows: polled while signed in, refreshed on navigation
 * and after the inbox marks messages read. */
import { ref } from 'vue'
import { api } from './api'

export const POLL_MS = 30_000
export const unread = ref(0)

let pending: Promise<void> | null = null

/** Asks the server again; one request at a time, and a failure keeps the last count. */
export function refreshUnread(): Promise<void> {
  pending ??= api.unreadCount()
    .then((answer) => { unread.value = Math.max(0, Number(answer.unread) || 0) })
    .catch(() => undefined)
    .finally(() => { pending = null })
  return pending
}
