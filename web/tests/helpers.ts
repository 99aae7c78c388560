/** A scripted fetch: each call takes the next response and is recorded for assertions. */
export interface RecordedCall {
  url: string
  method: string
  headers: Record<string, string>
  body: unknown
}

export type Scripted = Response | Error | ((call: RecordedCall) => Response)

export function json(status: number, body: unknown, contentType = 'application/json'): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': contentType } })
}

export function problem(status: number, code: string, detail: string, errors?: { field: string; message: string }[]): Response {
  return json(status, { type: `https://finplat.dev/problems/${code}`, title: 'Problem', status, detail, code, errors }, 'application/problem+json')
}

export function scriptedFetch(...script: Scripted[]) {
  const calls: RecordedCall[] = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const call: RecordedCall = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    }
    calls.push(call)
    const next = script.shift()
    if (next === undefined) throw new Error(`unexpected request ${call.method} ${call.url}`)
    if (next instanceof Error) throw next
    return typeof next === 'function' ? next(call) : next
  }
  return { fetch: fetch as typeof globalThis.fetch, calls }
}

export class MemoryStorage {
  private values = new Map<string, string>()
  getItem(key: string): string | null { return this.values.get(key) ?? null }
  setItem(key: string, value: string): void { this.values.set(key, value) }
  removeItem(key: string): void { this.values.delete(key) }
}

/** What a test answers for one endpoint of the typed client: gets the call's options
 * (`params`, `body`), returns the answer's data or throws (an `ApiError`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FakeEndpoint = (options: any) => unknown

/** A stand-in for `http` from `@/api/http`, keyed by `'METHOD /api/v1/path/{param}'`:
 *   vi.mock('@/api/http', async (original) => ({ ...(await original()), http: fakeHttp({...}) })) */
export function fakeHttp(endpoints: Record<string, FakeEndpoint>) {
  const method = (name: string) => async (path: string, options: unknown = {}) => {
    const endpoint = endpoints[`${name} ${path}`]
    if (!endpoint) throw new Error(`unexpected request ${name} ${path}`)
    return { data: await endpoint(options), response: new Response(null, { status: 204 }) }
  }
  return { GET: method('GET'), POST: method('POST'), PUT: method('PUT'), PATCH: method('PATCH'), DELETE: method('DELETE') }
}

/** A signed-in person as `/me` answers. */
export function profile(roles = ['investor'], riskLevel: string | null = 'C3') {
  return {
    user_id: 1, status: 'active', username: null, phone: '138****8000', email: null, phone_confirmed: true,
    email_confirmed: false, roles, kyc_status: 'verified', real_name: null, id_number: null, risk_level: riskLevel,
    risk_level_expires_at: null, institution_id: null, created_at: '2026-03-01T00:00:00Z',
  }
}
