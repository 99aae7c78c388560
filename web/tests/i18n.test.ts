import { describe, expect, it, vi } from 'vitest'
import { i18n, initialLocale, LOCALE_KEY, mergeAreas } from '@/i18n'
import { formatDate, formatInstant } from '@/format'
import { formatMoney } from '@/money'
import { useLocaleStore } from '@/stores/locale'
import { client } from '@/api'
import { http } from '@/api/http'
import { MemoryStorage } from './helpers'

describe('languages', () => {
  it('merges each area file under its name', () => {
    const merged = mergeAreas({
      './locales/account.ts': { default: { 'zh-CN': { title: '账户' }, en: { title: 'Account' } } },
      './locales/risk.ts': { default: { 'zh-CN': { title: '风控' }, en: { title: 'Risk' } } },
    })
    expect(merged).toEqual({
      'zh-CN': { account: { title: '账户' }, risk: { title: '风控' } },
      en: { account: { title: 'Account' }, risk: { title: 'Risk' } },
    })
  })

  it('starts in Chinese, or the saved choice, or the browser language', () => {
    const storage = new MemoryStorage()
    expect(initialLocale(storage, [])).toBe('zh-CN')
    expect(initialLocale(storage, ['fr-FR', 'en-US'])).toBe('en')
    expect(initialLocale(storage, ['zh-TW', 'en'])).toBe('zh-CN')
    storage.setItem(LOCALE_KEY, 'en')
    expect(initialLocale(storage, ['zh-CN'])).toBe('en')
    storage.setItem(LOCALE_KEY, 'xx')
    expect(initialLocale(storage, [])).toBe('zh-CN')
  })

  it('switches the messages, remembers the choice and tells the server', () => {
    const store = useLocaleStore()
    store.set('en')
    expect(i18n.global.t('app.signIn')).toBe('Sign in')
    expect(localStorage.getItem(LOCALE_KEY)).toBe('en')
    expect(client.language).toBe('en')
    expect(document.documentElement.lang).toBe('en')
    store.set('zh-CN')
    expect(i18n.global.t('app.signIn')).toBe('登录')
    localStorage.removeItem(LOCALE_KEY)
  })

  it('sends the language in use as Accept-Language on every request of the typed client', async () => {
    const sent: (string | null)[] = []
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      sent.push(new Headers(init.headers).get('Accept-Language'))
      return new Response(JSON.stringify({ items: [], next_cursor: null }), { headers: { 'Content-Type': 'application/json' } })
    })
    try {
      const store = useLocaleStore()
      await http.GET('/api/v1/products')
      store.set('en')
      await http.GET('/api/v1/products')
      store.set('zh-CN')
      await http.GET('/api/v1/agreements')
      expect(sent).toEqual(['zh-CN', 'en', 'zh-CN'])
    } finally {
      vi.unstubAllGlobals()
      localStorage.removeItem(LOCALE_KEY)
    }
  })

  it('formats money and dates the same way in both languages', () => {
    expect(formatMoney(123456)).toBe('¥1,234.56')
    expect(formatDate('2026-12-03T01:00:00Z')).toBe('2026-12-03')
    expect(formatDate('2026-12-02T17:00:00Z')).toBe('2026-12-03')
    expect(formatInstant('2026-12-03T01:05:00Z')).toBe('2026-12-03 09:05')
  })
})
