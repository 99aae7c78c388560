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
 * Views, stores and components take everything API from here (the errors they act on and the
 * idempotency keys of money-moving actions too); `./client` is only the transport.
 */
import createClient from 'openapi-fetch'
import { client } from './index'
import type { components, paths } from './schema'

export { ApiError, IdempotentAction } from './client'

export type Schemas = components['schemas']
/** An item of a list the server leaves open (`{[key: string]: unknown}` in the schema), shown
 * field by field (`RowsTable`). */
export type Row = Schemas['Page_dict_str__Any__']['items'][number]

export const http = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? 'http://localhost',
  fetch: (request: Request) => client.fetchRequest(request),
})

/** The 403 a purchase above one's risk level gets until the investor confirms the warning. */
export const SUITABILITY_MISMATCH = 'investment.suitability_mismatch'
/** A purchase made against a disclosure or warning that has since been revised. */
export const OUTDATED_TEXT_CODES = ['investment.disclosure_outdated', 'investment.warning_outdated']
/** Login refused until the phone or email is confirmed with the code sent to it. */
export const CONTACT_UNCONFIRMED = 'identity.contact_unconfirmed'

/** The answer's body; errors have already been thrown as `ApiError` by the client. */
export async function ok<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data } = await call
  return data as T
}

/** Saves a file the server answers (a CSV export, a report) under `filename`:
 *   await download(http.GET('/api/v1/me/transactions.csv', { params: { query }, parseAs: 'blob' }), 'x.csv')
 * A refusal rejects with `ApiError` before anything is saved. */
export async function download(call: Promise<{ data?: unknown; response: Response }>, filename: string): Promise<void> {
  const blob = (await ok(call)) as Blob
  const link = document.createElement('a')
  link.href = URL.createObjectURL(blob)
  link.download = filename
  link.click()
  URL.revokeObjectURL(link.href)
}
