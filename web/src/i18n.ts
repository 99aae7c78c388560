/**
 * Languages: Simplified Chinese by default, English as a switch. Messages live per area in
 * `src/locales/<area>.ts` (default export `{ 'zh-CN': {...}, en: {...} }`); every file found
 * there is merged under its file name, so `src/locales/account.ts` answers `t('account.title')`
 * and a new area adds its own file without touching anyone else's.
 */
import { createI18n } from 'vue-i18n'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
export const DEFAULT_LOCALE: Locale = 'zh-CN'
export const LOCALE_KEY = 'finplat.locale'

export interface MessageTree { [key: string]: string | MessageTree }
export type AreaMessages = Record<Locale, MessageTree>

const areas = import.meta.glob<{ default: AreaMessages }>('./locales/*.ts', { eager: true })

/** `{ './locales/account.ts': {...} }` → `{ 'zh-CN': { account: {...} }, en: { account: {...} } }` */
export function mergeAreas(modules: Record<string, { default: AreaMessages }>): Record<Locale, MessageTree> {
  const merged = { 'zh-CN': {}, en: {} } as Record<Locale, MessageTree>
  for (const [path, module] of Object.entries(modules)) {
    const area = path.replace(/^.*\//, '').replace(/\.ts$/, '')
    for (const locale of LOCALES) merged[locale][area] = module.default[locale] ?? {}
  }
  return merged
}

export const messages = mergeAreas(areas)

/** The saved choice, else the browser's first language we speak, else Chinese. */
export function initialLocale(
  storage: Pick<Storage, 'getItem'> | null = globalThis.localStorage ?? null,
  languages: readonly string[] = globalThis.navigator?.languages ?? [],
): Locale {
  const saved = storage?.getItem(LOCALE_KEY)
  if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale
  for (const language of languages) {
    if (/^zh\b/i.test(language)) return 'zh-CN'
    if (/^en\b/i.test(language)) return 'en'
  }
  return DEFAULT_LOCALE
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages,
  missingWarn: false,
  fallbackWarn: false,
})

/** `t()` outside components (guards, stores, plain modules). */
export const t = i18n.global.t
