/** Who is signed in and what their roles allow, shared by every view, the menus and the guards. */
import { defineStore } from 'pinia'
import { client } from '@/api'
import { ApiError, type Schemas, http, ok } from '@/api/http'
import './index'

/** Wait before asking `/me` again when the server was busy. */
export const RETRY_MS = 1500

/** Roles of people served by the portal; any other role is operator staff. */
export const CUSTOMER_ROLES = ['investor', 'borrower', 'institution', 'customer', 'user']

/** The signed-in person (`/me`): roles, masked contact, KYC and risk level. */
export const fetchMe = (): Promise<Schemas['ProfileOut']> => ok(http.GET('/api/v1/me'))

export const useSessionStore = defineStore('session', {
  state: () => ({ me: null as Schemas['ProfileOut'] | null, loaded: false }),
  getters: {
    signedIn: (state) => state.me !== null,
    roles: (state): string[] => state.me?.roles ?? [],
    staff(): boolean { return this.roles.some((role) => !CUSTOMER_ROLES.includes(role)) },
    /** Shown the portal (account, holdings...): customers, and anyone who is not only staff. */
    customer(): boolean {
      return this.signedIn && (this.roles.some((role) => CUSTOMER_ROLES.includes(role)) || !this.staff)
    },
    /** How the header names the signed-in person: the (masked) login they use. */
    displayName: (state): string => {
      const me = state.me
      if (!me) return ''
      return me.phone ?? me.email ?? me.username ?? `#${me.user_id}`
    },
  },
  actions: {
    /** True when the user holds any of `roles` (an empty list: anyone signed in). */
    hasAnyRole(roles: readonly string[] | undefined): boolean {
      if (!this.signedIn) return false
      return !roles || roles.length === 0 || roles.some((role) => this.roles.includes(role))
    },
    /** Loads `/me` when a session exists (after a reload the refresh token resumes it). A
     * busy server (429, 5xx, network) gets one more try before the page treats the user as
     * signed out; the tokens are kept either way unless the server refused them. */
    async load(): Promise<void> {
      this.me = null
      for (let attempt = 1; client.hasSession && attempt <= 2; attempt++) {
        try {
          this.me = await fetchMe()
          break
        } catch (error) {
          const transient = error instanceof ApiError && (error.status === 429 || error.status === 0 || error.status >= 500)
          if (!transient) break
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
        }
      }
      this.loaded = true
    },
    async signIn(login: string, password: string, totpCode?: string): Promise<void> {
      await client.login(login, password, totpCode)
      this.me = await fetchMe()
      this.loaded = true
    },
    async signOut(): Promise<void> {
      try {
        await client.logout()
      } catch {
        // The server may have already forgotten the token; the local session ends regardless.
      }
      this.me = null
    },
    end(): void {
      client.clearTokens()
      this.me = null
    },
  },
})
