/** What main.ts installs in the app, installed in every component test too. */
import { config } from '@vue/test-utils'
import { i18n } from '@/i18n'
import { pinia } from '@/stores'
import { cardsPlugin } from '@/cards'

i18n.global.locale.value = 'zh-CN'
config.global.plugins = [i18n, pinia, cardsPlugin]
