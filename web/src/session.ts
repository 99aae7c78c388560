/** Who is signed in, shared by every view. */
import { computed, reactive } from 'vue'
import { api, client } from './api'
import type { Me } from './api/types'

/** Roles of people served by the portal; any other role is operator staff. */
export const CUSTOMER_ROLES = ['investor', 'borrower', 'institution', 'customer', 'user']

export const session = reactive({
  me: null as Me | null,
  loaded: false,
})

export const isSignedIn = computed(() => session.me !== null)
export const isStaff = computed(() => (session.me?.roles ?? []).some((role) => !CUSTOMER_ROLES.includes(role)))
/** Shown the portal (account, holdings...): customers, and anyone who is not only staff. */
export const isCustomer = computed(
  () => isSignedIn.value && ((session.me?.roles ?? []).some((role) => CUSTOMER_ROLES.includes(role)) || !isStaff.value))
/** How the header names the signed-in person: the (masked) login they use. */
export const displayName = computed(() => {
  const me = session.me
  if (!me) return ''
  const username = typeof me.username === 'string' ? me.username : null
  return me.phone ?? me.email ?? username ?? `#${me.user_id}`
})

/** Loads `/me` when a session exists (after a reload the refresh token resumes it). */
export async function loadSession(): Promise<void> {
  if (!client.hasSession) {
    session.me = null
  } else {
    try {
      session.me = await api.me()
    } catch {
      session.me = null
    }
  }
  session.loaded = true
}

export async function signIn(login: string, password: string, totpCode?: string): Promise<void> {
  await client.login(login, password, totpCode)
  session.me = await api.me()
  session.loaded = true
}

export async function signOut(): Promise<void> {
  try {
    await client.logout()
  } catch {
    // The server may have already forgotten the token; the local session ends regardless.
  }
  session.me = null
}

export function endSession(): void {
  client.clearTokens()
  session.me = null
}
