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
