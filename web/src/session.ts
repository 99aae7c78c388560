/** The session as plain values for code written before the pinia store (src/stores/session.ts);
 * new code calls `useSessionStore()`. */
import { computed } from 'vue'
import { CUSTOMER_ROLES, useSessionStore } from './stores/session'

export { CUSTOMER_ROLES }

export const session = useSessionStore()

export const isSignedIn = computed(() => session.signedIn)
export const isStaff = computed(() => session.staff)
export const isCustomer = computed(() => session.customer)
export const displayName = computed(() => session.displayName)

export const loadSession = (): Promise<void> => session.load()
export const signIn = (login: string, password: string, totpCode?: string): Promise<void> =>
  session.signIn(login, password, totpCode)
export const signOut = (): Promise<void> => session.signOut()
export const endSession = (): void => session.end()
