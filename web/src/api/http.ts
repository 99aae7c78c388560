/**
 * The typed client generated from the server's OpenAPI document (`npm run gen:api` writes
 * `schema.d.ts`). Paths, query, bodies and answers are checked by TypeScript:
 *
 *   const account = await ok(http.GET('/api/v1/me/account'))
 *   await ok(http.POST('/api/v1/me/deposits', {
 *     body: { amount_minor, channel: 'bank' },
 *     params: { header: { 'Idempotency-Key': key } },
 *   }))
 *
 * Every request goes through the shared `ApiClient` (bearer token, refresh-on-401,
 * Idempotency-Key retry, `Accept-Language`); a problem+json answer rejects with `ApiError`.
 */
import createClient from 'openapi-fetch'
import { client } from './index'
import type { components, paths } from './schema'

export type Schemas = components['schemas']

export const http = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? 'http://localhost',
  fetch: (request: Request) => client.fetchRequest(request),
})

/** The answer's body; errors have already been thrown as `ApiError` by the client. */
export async function ok<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data } = await call
  return data as T
}
