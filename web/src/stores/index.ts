/** The app's one pinia instance, active from the first import so stores work outside components
 * too (the router's guards, the API client's hooks). main.ts installs it in the app. */
import { createPinia, setActivePinia } from 'pinia'

export const pinia = createPinia()
setActivePinia(pinia)
