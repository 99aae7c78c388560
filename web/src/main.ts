import { createApp } from 'vue'
import { ElLoading } from 'element-plus'
import 'element-plus/es/components/loading/style/css'
import App from './App.vue'
import { client } from './api'
import { i18n } from './i18n'
import { cardsPlugin } from './cards'
import { buildRouter } from './router'
import { pinia } from './stores'
import { useLocaleStore } from './stores/locale'
import { useSessionStore } from './stores/session'
import './style.css'

const router = buildRouter()
useLocaleStore().init()

client.onSessionEnded = () => {
  useSessionStore().end()
  const current = router.currentRoute.value
  const protectedPage = current.meta.auth || current.meta.staff || current.meta.roles
  if (protectedPage) void router.push({ path: current.meta.staff ? '/admin/login' : '/login', query: { redirect: current.fullPath } })
}

createApp(App).use(pinia).use(i18n).use(router).use(ElLoading).use(cardsPlugin).mount('#app')

// The installable app: the service worker caches the shell only (public/sw.js), in builds only.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => { void navigator.serviceWorker.register('/sw.js') })
}
