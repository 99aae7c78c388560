import { createApp } from 'vue'
import { ElLoading } from 'element-plus'
import 'element-plus/es/components/loading/style/css'
import App from './App.vue'
import { client } from './api'
import { buildRouter } from './router'
import { endSession } from './session'
import './style.css'

const router = buildRouter()

client.onSessionEnded = () => {
  endSession()
  const current = router.currentRoute.value
  if (current.meta.auth) void router.push({ path: current.meta.staff ? '/admin/login' : '/login', query: { redirect: current.fullPath } })
}

createApp(App).use(router).use(ElLoading).mount('#app')
