/** The unread count the header's bell shows: polled while signed in, refreshed on navigation
 * and after the inbox marks messages read. */
import { defineStore } from 'pinia'
import { http, ok } from '@/api/http'
import './index'

export const POLL_MS = 30_000

let pending: Promise<void> | null = null

export const useNotificationsStore = defineStore('notifications', {
  state: () => ({ unread: 0 }),
  actions: {
    /** Asks the server again; one request at a time, and a failure keeps the last count. */
    refreshUnread(): Promise<void> {
      pending ??= ok(http.GET('/api/v1/me/notifications/unread-count'))
        .then((answer) => { this.unread = Math.max(0, Number(answer.unread) || 0) })
        .catch(() => undefined)
        .finally(() => { pending = null })
      return pending
    },
  },
})
