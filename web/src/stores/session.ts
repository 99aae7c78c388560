/** Who is signed in and what their roles allow, shared by every view, the menus and the guards. */
import { defineStore } from 'pinia'
import { api, client } from '@/api'
import type { Me } from '@/api/types'
import './index'

/** Roles of people served by the portal; any other role is operator staff. */
export const CUSTOMER_ROLES = ['investor', 'borrower', 'institution', 'customer', 'user']

export const useSessionStore = defineStore('session', {
  state: () => ({ me: null as Me | null, loaded: false }),
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
      const username = typeof me.username === 'string' ? me.username : null
      return me.phone ?? me.email ?? username ?? `#${me.user_id}`
    },
  },
  actions: {
    /** True when the user holds any of `roles` (an empty list: anyone signed in). */
    hasAnyRole(roles: readonly string[] | undefined): boolean {
      if (!this.signedIn) return false
      return !roles || roles.length === 0 || roles.some((role) => this.roles.includes(role))
    },
    /** Loads `/me` when a session exists (after a reload the refresh token resumes it). */
    async load(): Promise<void> {
      if (!client.hasSession) {
        this.me = null
      } else {
        try {
          this.me = await api.me()
        } catch {
          this.me = null
        }
      }
      this.loaded = true
    },
    async signIn(login: string, password: string, totpCode?: string): Promise<void> {
      await client.login(login, password, totpCode)
      this.me = await api.me()
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
