/** The app's one transport (`ApiClient`: tokens, refresh, problem+json, `Accept-Language`), which
 * the typed client (`./http`) and the session and language stores use. Endpoints are called
 * through `./http`. */
import { ApiClient } from './client'

export const client = new ApiClient()
