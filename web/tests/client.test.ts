import createClient from 'openapi-fetch'
import { describe, expect, it, vi } from 'vitest'
import { ApiClient, ApiError, IdempotentAction, REFRESH_TOKEN_KEY } from '@/api/client'
import type { paths } from '@/api/schema'
import { MemoryStorage, json, problem, scriptedFetch } from './helpers'

const PAIR = { access_token: 'access-1', refresh_token: 'refresh-1', token_type: 'bearer', expires_in: 900 }
const PAIR_2 = { access_token: 'access-2', refresh_token: 'refresh-2', token_type: 'bearer', expires_in: 900 }

function clientWith(...script: Parameters<typeof scriptedFetch>) {
  const { fetch, calls } = scriptedFetch(...script)
  const storage = new MemoryStorage()
  const onSessionEnded = vi.fn()
  const client = new ApiClient({ fetch, storage, onSessionEnded, retryDelayMs: 0 })
  return { client, http: typedOver(client), calls, storage, onSessionEnded }
}

/** The generated client going through `client`, as `src/api/http.ts` builds it. */
function typedOver(client: ApiClient) {
  return createClient<paths>({ baseUrl: 'http://app.test', fetch: (request: Request) => client.fetchRequest(request) })
}

/** The body of a typed call's answer. */
async function data<T>(call: Promise<{ data?: T }>): Promise<T | undefined> {
  return (await call).data
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error('expected a failure')
}

describe('problem+json', () => {
  it('becomes an ApiError with the code, detail and field errors', async () => {
    const { http } = clientWith(problem(422, 'validation.invalid', 'id_number: bad checksum', [
      { field: 'id_number', message: 'bad checksum' },
    ]))
    const error = await caught(http.POST('/api/v1/me/kyc', { body: { real_name: '张三', id_number: '110105194912310021' } }))
    expect(error.status).toBe(422)
    expect(error.code).toBe('validation.invalid')
    expect(error.detail).toBe('id_number: bad checksum')
    expect(error.fieldMessage('id_number')).toBe('bad checksum')
    expect(error.notAvailable).toBe(false)
  })

  it('tells a missing endpoint from a missing resource', async () => {
    const { http } = clientWith(
      problem(404, 'http.not_found', 'Not Found'),
      problem(404, 'product.not_found', 'product 7 does not exist'),
      problem(405, 'http.method_not_allowed', 'Method Not Allowed'),
    )
    expect((await caught(http.GET('/api/v1/admin/audit'))).notAvailable).toBe(true)
    expect((await caught(http.GET('/api/v1/products/{product_id}', { params: { path: { product_id: 7 } } }))).notAvailable).toBe(false)
    expect((await caught(http.GET('/api/v1/me/holdings'))).notAvailable).toBe(true)
  })

  it('copes with a body that is not JSON (a proxy error page)', async () => {
    const { http } = clientWith(new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    const error = await caught(http.GET('/api/v1/me/account'))
    expect(error.status).toBe(502)
    expect(error.detail).toBe('Bad Gateway')
  })

  it('turns a network failure into a retryable error', async () => {
    const { http } = clientWith(new TypeError('Failed to fetch'))
    const error = await caught(http.GET('/api/v1/products'))
    expect(error.status).toBe(0)
    expect(error.retryable).toBe(true)
  })
})

describe('requests', () => {
  it('sends JSON with the bearer token and the query string', async () => {
    const { client, http, calls } = clientWith(json(200, PAIR), json(200, { items: [], next_cursor: null }))
    await client.login('13800138000', 'secret-password')
    await http.GET('/api/v1/me/transactions', { params: { query: { limit: 20, cursor: undefined } } })
    expect(calls[0].body).toEqual({ login: '13800138000', password: 'secret-password' })
    expect(calls[0].headers.Authorization).toBeUndefined()
    expect(calls[1].url).toBe('/api/v1/me/transactions?limit=20')
    expect(calls[1].headers.Authorization).toBe('Bearer access-1')
  })

  it('keeps only the refresh token in storage, and logout clears it', async () => {
    const { client, storage, calls } = clientWith(json(200, PAIR), json(204, null))
    await client.login('13800138000', 'secret-password', '123456')
    expect(calls[0].body).toMatchObject({ totp_code: '123456' })
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-1')
    expect(JSON.stringify(storage)).not.toContain('access-1')
    await client.logout()
    expect(calls[1].body).toEqual({ refresh_token: 'refresh-1' })
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBeNull()
    expect(client.hasSession).toBe(false)
  })
})

describe('downloads', () => {
  it('fetch a file with the bearer token and turn problems into errors', async () => {
    const { client, http, calls } = clientWith(
      json(200, PAIR),
      new Response('id,amount\n1,100\n', { status: 200, headers: { 'Content-Type': 'text/csv' } }),
      problem(422, 'validation.invalid', 'to: must be after from'),
    )
    await client.login('a@example.com', 'secret-password')
    const csv = (query: { from: string; to: string }) =>
      data(http.GET('/api/v1/me/transactions.csv', { params: { query }, parseAs: 'blob' })) as Promise<Blob>
    const blob = await csv({ from: '2026-03-01', to: '2026-04-01' })
    expect(await blob.text()).toBe('id,amount\n1,100\n')
    expect(calls[1].url).toBe('/api/v1/me/transactions.csv?from=2026-03-01&to=2026-04-01')
    expect(calls[1].headers.Authorization).toBe('Bearer access-1')
    expect((await caught(csv({ from: '2026-04-01', to: '2026-03-01' }))).status).toBe(422)
  })
})

describe('refresh on 401', () => {
  it('refreshes once and repeats the request with the new token', async () => {
    const { client, http, calls, storage } = clientWith(
      json(200, PAIR),
      problem(401, 'auth.token_expired', 'token expired'),
      json(200, PAIR_2),
      json(200, { balance_minor: 100 }),
    )
    await client.login('a@example.com', 'secret-password')
    expect(await data(http.GET('/api/v1/me/account'))).toEqual({ balance_minor: 100 })
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST /api/v1/auth/login', 'GET /api/v1/me/account', 'POST /api/v1/auth/refresh', 'GET /api/v1/me/account',
    ])
    expect(calls[2].body).toEqual({ refresh_token: 'refresh-1' })
    expect(calls[3].headers.Authorization).toBe('Bearer access-2')
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-2')
  })

  it('does not loop: a second 401 ends the session', async () => {
    const { client, http, calls, onSessionEnded } = clientWith(
      json(200, PAIR),
      problem(401, 'auth.unauthenticated', 'no'),
      json(200, PAIR_2),
      problem(401, 'auth.unauthenticated', 'still no'),
    )
    await client.login('a@example.com', 'secret-password')
    const error = await caught(http.GET('/api/v1/me'))
    expect(error.status).toBe(401)
    expect(calls).toHaveLength(4)
    expect(onSessionEnded).toHaveBeenCalled()
    expect(client.hasSession).toBe(false)
  })

  it('ends the session when the refresh token is refused', async () => {
    const { client, http, calls, onSessionEnded, storage } = clientWith(
      json(200, PAIR),
      problem(401, 'auth.unauthenticated', 'expired'),
      problem(401, 'auth.refresh_invalid', 'refresh token revoked'),
    )
    await client.login('a@example.com', 'secret-password')
    const error = await caught(http.GET('/api/v1/me'))
    expect(error.status).toBe(401)
    expect(calls).toHaveLength(3)
    expect(onSessionEnded).toHaveBeenCalled()
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBeNull()
  })

  it('shares one refresh between concurrent requests', async () => {
    const { client, http, calls } = clientWith(
      json(200, PAIR),
      problem(401, 'auth.unauthenticated', 'expired'),
      problem(401, 'auth.unauthenticated', 'expired'),
      json(200, PAIR_2),
      json(200, { n: 1 }),
      json(200, { n: 2 }),
    )
    await client.login('a@example.com', 'secret-password')
    await Promise.all([http.GET('/api/v1/me'), http.GET('/api/v1/me/account')])
    expect(calls.filter((c) => c.url.endsWith('/auth/refresh'))).toHaveLength(1)
  })

  it('resumes a session after a reload from the stored refresh token', async () => {
    const { fetch, calls } = scriptedFetch(json(200, PAIR_2), json(200, { user_id: 1 }))
    const storage = new MemoryStorage()
    storage.setItem(REFRESH_TOKEN_KEY, 'refresh-1')
    const client = new ApiClient({ fetch, storage, retryDelayMs: 0 })
    expect(await data(typedOver(client).GET('/api/v1/me'))).toEqual({ user_id: 1 })
    expect(calls[0].url).toBe('/api/v1/auth/refresh')
    expect(calls[1].headers.Authorization).toBe('Bearer access-2')
  })

  it('a wrong password at login is just an error, not a refresh', async () => {
    const { client, calls, onSessionEnded } = clientWith(problem(401, 'identity.invalid_credentials', 'wrong login or password'))
    const error = await caught(client.login('a@example.com', 'nope'))
    expect(error.code).toBe('identity.invalid_credentials')
    expect(calls).toHaveLength(1)
    expect(onSessionEnded).not.toHaveBeenCalled()
  })
})

describe('idempotency keys', () => {
  it('retries an unknown outcome once with the same key', async () => {
    const { http, calls } = clientWith(
      new TypeError('network down'),
      json(201, { id: 9, status: 'succeeded', amount_minor: 100000, currency: 'CNY' }),
    )
    const params = { header: { 'Idempotency-Key': 'key-1' } }
    const result = await data(http.POST('/api/v1/me/deposits', { body: { amount_minor: 100000, channel: 'bank' }, params }))
    expect(result).toMatchObject({ id: 9 })
    expect(calls).toHaveLength(2)
    expect(calls.map((c) => c.headers['Idempotency-Key'])).toEqual(['key-1', 'key-1'])
  })

  it('retries a gateway error but not a refusal', async () => {
    const { http, calls } = clientWith(
      new Response('', { status: 503 }),
      problem(409, 'ledger.insufficient_funds', 'insufficient funds'),
    )
    const error = await caught(http.POST('/api/v1/me/withdrawals', { body: { amount_minor: 1 }, params: { header: { 'Idempotency-Key': 'key-2' } } }))
    expect(error.code).toBe('ledger.insufficient_funds')
    expect(calls).toHaveLength(2)
  })

  it('never retries a request without a key', async () => {
    const { http, calls } = clientWith(new TypeError('network down'))
    await caught(http.POST('/api/v1/me/kyc', { body: { real_name: 'x', id_number: 'y' } }))
    expect(calls).toHaveLength(1)
    expect(calls[0].headers['Idempotency-Key']).toBeUndefined()
  })

  it('keeps the key of a user action across retries of the same payload', async () => {
    const action = new IdempotentAction()
    const keys: string[] = []
    const unreachable = new ApiError({ status: 0, code: 'network.unreachable', detail: 'offline' })
    await expect(action.run({ amount: 100 }, async (key) => { keys.push(key); throw unreachable })).rejects.toBe(unreachable)
    await action.run({ amount: 100 }, async (key) => { keys.push(key); return 'ok' })
    expect(keys[0]).toBe(keys[1])
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
    // After a success the next action is a new one, even with the same amount.
    await action.run({ amount: 100 }, async (key) => { keys.push(key); return 'ok' })
    expect(keys[2]).not.toBe(keys[1])
  })

  it('starts a new action after a definite refusal or a changed payload', async () => {
    const action = new IdempotentAction()
    const refused = new ApiError({ status: 409, code: 'ledger.insufficient_funds', detail: 'no' })
    const first = action.keyFor({ amount: 100 })
    await expect(action.run({ amount: 100 }, async () => { throw refused })).rejects.toBe(refused)
    const second = action.keyFor({ amount: 100 })
    expect(second).not.toBe(first)
    expect(action.keyFor({ amount: 200 })).not.toBe(second)
  })
})

describe('the generated client (openapi-fetch) through ApiClient', () => {
  it('keeps the token refresh, the idempotency key, the language and ApiError', async () => {
    const { client, http, calls, storage } = clientWith(
      json(401, { status: 401 }),
      json(200, PAIR_2),
      json(201, { id: 5, status: 'succeeded', amount_minor: 150000, currency: 'CNY' }),
      problem(409, 'payment.conflict', '重复的请求'),
    )
    storage.setItem(REFRESH_TOKEN_KEY, 'refresh-1')
    client.setTokens(PAIR)
    client.language = 'en'
    const params = { header: { 'Idempotency-Key': 'key-1' } }
    const { data } = await http.POST('/api/v1/me/deposits', { body: { amount_minor: 150000, channel: 'bank' }, params })
    expect(data?.id).toBe(5)
    expect(calls.map((call) => `${call.method} ${call.url}`)).toEqual([
      'POST /api/v1/me/deposits', 'POST /api/v1/auth/refresh', 'POST /api/v1/me/deposits',
    ])
    expect(calls[2].headers).toMatchObject({
      Authorization: 'Bearer access-2', 'Idempotency-Key': 'key-1', 'Accept-Language': 'en',
    })
    expect(calls[2].body).toEqual({ amount_minor: 150000, channel: 'bank' })
    const error = await caught(http.POST('/api/v1/me/deposits', { body: { amount_minor: 1, channel: 'bank' }, params }))
    expect(error.code).toBe('payment.conflict')
  })
})

describe('a refresh storm', () => {
  it('keeps the session when the refresh is rate limited, after one wait for Retry-After', async () => {
    const limited = () => new Response(JSON.stringify({ status: 429, code: 'http.rate_limited', detail: 'slow down' }), {
      status: 429, headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '0' },
    })
    const { http, calls, storage, onSessionEnded } = clientWith(limited(), limited(), json(200, PAIR_2), json(200, { ok: 1 }))
    storage.setItem(REFRESH_TOKEN_KEY, 'refresh-1')
    const error = await caught(http.GET('/api/v1/me/account'))
    expect(error.status).toBe(429)
    expect(calls.map((call) => call.url)).toEqual(['/api/v1/auth/refresh', '/api/v1/auth/refresh'])
    expect(onSessionEnded).not.toHaveBeenCalled()
    expect(storage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-1')
    // Later the same refresh token still resumes the session.
    expect(await data(http.GET('/api/v1/me/account'))).toEqual({ ok: 1 })
    expect(calls[3].headers.Authorization).toBe('Bearer access-2')
  })

  it('keeps the session when the server fails during the refresh', async () => {
    const { client, http, storage, onSessionEnded } = clientWith(problem(503, 'service.unavailable', 'down'))
    storage.setItem(REFRESH_TOKEN_KEY, 'refresh-1')
    expect((await caught(http.GET('/api/v1/me/account'))).status).toBe(503)
    expect(onSessionEnded).not.toHaveBeenCalled()
    expect(client.hasSession).toBe(true)
  })
})
