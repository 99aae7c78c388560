/** The language in use: kept in localStorage, applied to vue-i18n, Element Plus (App.vue), the
 * document and the API's `Accept-Language` (so server texts follow it). */
import { defineStore } from 'pinia'
import { client } from '@/api'
import { i18n, LOCALE_KEY, LOCALES, type Locale } from '@/i18n'
import './index'

function apply(locale: Locale): void {
  i18n.global.locale.value = locale
  client.language = locale
  if (typeof document !== 'undefined') document.documentElement.lang = locale
}

export const useLocaleStore = defineStore('locale', {
  state: () => ({ locale: i18n.global.locale.value as Locale }),
  actions: {
    set(locale: Locale): void {
      if (!LOCALES.includes(locale)) return
      this.locale = locale
      globalThis.localStorage?.setItem(LOCALE_KEY, locale)
      apply(locale)
    },
    /** Applies the initial choice (main.ts, once). */
    init(): void {
      apply(this.locale)
    },
  },
})
