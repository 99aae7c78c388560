/** The unread count as a ref for code written before the pinia store
 * (src/stores/notifications.ts); new code calls `useNotificationsStore()`. */
import { storeToRefs } from 'pinia'
import { POLL_MS, useNotificationsStore } from './stores/notifications'

export { POLL_MS }

const store = useNotificationsStore()
export const unread = storeToRefs(store).unread
export const refreshUnread = (): Promise<void> => store.refreshUnread()
