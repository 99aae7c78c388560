/**
 * The one way the app talks to `/api/v1`: bearer tokens, refresh-on-401 (once), RFC 9457
 * problem+json errors, and Idempotency-Key handling for money-moving requests.
 *
 * Tokens: the access token lives only in memory; the refresh token is kept in sessionStorage so
 * a reload in the same tab stays signed in, while closing the tab ends the session.
 */

export interface FieldError {
  field: string
  message: string
}

export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  code?: string
  errors?: FieldError[]
  [extra: string]: unknown
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly errors: FieldError[]
  readonly problem: Problem

  constructor(problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`)
    this.name = 'ApiError'
    this.problem = problem
    this.status = problem.status
    this.code = problem.code ?? `http.${problem.status}`
    this.detail = problem.detail || problem.title || `HTTP ${problem.status}`
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
  }

  /** The server has no such endpoint (yet): a routing 404 or 405, not a missing resource. */
  get notAvailable(): boolean {
    if (this.status === 405) return true
    return this.status === 404 && this.code === 'http.not_found' && /^not found$/i.test(this.detail)
  }

  /** Worth retrying with the same idempotency key: the outcome is unknown. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504
  }

  /** The message for one form field, if the server named it. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((e) => e.field === field || e.field.endsWith(`.${field}`))?.message
  }
}

export const NETWORK_ERROR_CODE = 'network.unreachable'

export interface TokenPair {
  access_token: string
  refresh_token: string
  token_type?: string
  expires_in?: number
}

export interface RequestOptions {
  body?: unknown
  query?: Record<string, string | number | boolean | null | undefined>
  /** Required by money-moving POSTs; the same key is reused when the request is retried. */
  idempotencyKey?: string
  /** Send the bearer token (default true). */
  auth?: boolean
}

export interface ClientOptions {
  baseUrl?: string
  fetch?: typeof fetch
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null
  /** Called when the session ends on its own (refresh refused). */
  onSessionEnded?: () => void
  /** Delay before the single automatic retry of an idempotent request, in ms. */
  retryDelayMs?: number
}

/** Endpoints called without the bearer token. */
const PUBLIC_PATHS = ['/auth/login', '/auth/register', '/auth/refresh', '/auth/confirm', '/auth/confirm/resend']

export const REFRESH_TOKEN_KEY = 'finplat.refresh_token'

export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID()
}

/** How long a 429 asks to wait (its `Retry-After`, in seconds), within 0.5–10 s. */
function retryAfterMs(error: ApiError): number {
  const seconds = Number(error.problem.retry_after ?? error.problem.retryAfter ?? 1)
  return Math.min(10_000, Math.max(500, (Number.isFinite(seconds) ? seconds : 1) * 1000))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function problemFrom(response: Response): Promise<Problem> {
  const retryAfter = response.headers.get('retry-after')
  const problem = await problemBody(response)
  return retryAfter ? { ...problem, retry_after: Number(retryAfter) } : problem
}

async function problemBody(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '')
  const type = response.headers.get('content-type') ?? ''
  if (text && (type.includes('json') || text.startsWith('{'))) {
    try {
      const parsed = JSON.parse(text) as Partial<Problem>
      if (parsed && typeof parsed === 'object') {
        // FastAPI's own default body is {"detail": "..."}; keep its detail either way.
        const detail = typeof parsed.detail === 'string' ? parsed.detail : undefined
        return { ...parsed, status: response.status, detail: detail ?? response.statusText }
      }
    } catch {
      // fall through to a generic problem
    }
  }
  return { status: response.status, title: response.statusText, detail: response.statusText || `HTTP ${response.status}` }
}

export class ApiClient {
  readonly baseUrl: string
  private readonly fetchImpl: typeof fetch
  private readonly storage: ClientOptions['storage']
  private readonly retryDelayMs: number
  private accessToken: string | null = null
  private refreshing: Promise<boolean> | null = null
  onSessionEnded: (() => void) | undefined
  /** Sent as `Accept-Language`, so the server's own texts (problem details, questionnaires,
   * notifications) come in the language the app shows. */
  language = 'zh-CN'

  constructor(options: ClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '/api/v1'
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.storage = options.storage === undefined ? globalThis.sessionStorage ?? null : options.storage
    this.retryDelayMs = options.retryDelayMs ?? 800
    this.onSessionEnded = options.onSessionEnded
  }

  get refreshToken(): string | null {
    return this.storage?.getItem(REFRESH_TOKEN_KEY) ?? null
  }

  /** True when there is a session to use or to resume with the refresh token. */
  get hasSession(): boolean {
    return this.accessToken !== null || this.refreshToken !== null
  }

  setTokens(pair: TokenPair): void {
    this.accessToken = pair.access_token
    this.storage?.setItem(REFRESH_TOKEN_KEY, pair.refresh_token)
  }

  clearTokens(): void {
    this.accessToken = null
    this.storage?.removeItem(REFRESH_TOKEN_KEY)
  }

  async login(login: string, password: string, totpCode?: string): Promise<void> {
    const body: Record<string, string> = { login, password }
    if (totpCode) body.totp_code = totpCode
    const pair = await this.request<TokenPair>('POST', '/auth/login', { body, auth: false })
    this.setTokens(pair)
  }

  async logout(): Promise<void> {
    const refresh = this.refreshToken
    try {
      if (refresh) await this.request('POST', '/auth/logout', { body: { refresh_token: refresh } })
    } finally {
      this.clearTokens()
    }
  }

  /**
   * Exchange the refresh token for a new pair; concurrent callers share one exchange. Resolves
   * false when the server refuses the token (the session ends); rejects with the `ApiError`
   * when the outcome says nothing about the token (rate limited, server or network trouble), so
   * the session survives a busy moment instead of sending the user to the sign-in page.
   */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.exchangeRefreshToken().finally(() => {
        this.refreshing = null
      })
    }
    return this.refreshing
  }

  private async exchangeRefreshToken(): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const refresh = this.refreshToken
      if (!refresh) return false
      try {
        const pair = await this.request<TokenPair>('POST', '/auth/refresh', {
          body: { refresh_token: refresh }, auth: false,
        })
        this.setTokens(pair)
        return true
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        if (error.status === 429 && attempt === 1) {
          await sleep(retryAfterMs(error))
          continue
        }
        if (error.status === 429 || error.status === 0 || error.status >= 500) throw error
        this.clearTokens()
        this.onSessionEnded?.()
        return false
      }
    }
  }

  /** The client's own calls (sign-in, refresh, sign-out); views use the typed client. */
  private async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.respond(method, path, options)
    if (response.status === 204) return undefined as T
    const text = await response.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  private async respond(method: string, path: string, options: RequestOptions): Promise<Response> {
    const auth = options.auth ?? true
    if (auth && this.accessToken === null && this.refreshToken !== null) await this.refresh()
    let response = await this.sendWithRetry(method, path, options, auth)
    if (response.status === 401 && auth && this.refreshToken !== null) {
      if (await this.refresh()) response = await this.sendWithRetry(method, path, options, auth)
    }
    if (response.status === 401 && auth && this.hasSession) {
      this.clearTokens()
      this.onSessionEnded?.()
    }
    if (!response.ok) throw new ApiError(await problemFrom(response))
    return response
  }

  /**
   * The fetch the generated client (openapi-fetch, `src/api/http.ts`) goes through: the same
   * bearer token, refresh-on-401, one retry of a request carrying an `Idempotency-Key` with the
   * same key, and problem+json turned into a thrown `ApiError`.
   */
  async fetchRequest(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const path = url.pathname.startsWith(this.baseUrl) ? url.pathname.slice(this.baseUrl.length) : url.pathname
    const query = Object.fromEntries(url.searchParams)
    const text = ['GET', 'HEAD'].includes(request.method) ? '' : await request.text()
    const idempotencyKey = request.headers.get('Idempotency-Key') ?? undefined
    const auth = !PUBLIC_PATHS.includes(path)
    const response = await this.respond(request.method, path, {
      query, idempotencyKey, auth, body: text ? JSON.parse(text) : undefined,
    })
    return response
  }

  /** Sends once; a request with an idempotency key is retried once, with the same key, when
   * its outcome is unknown (network failure or gateway error). */
  private async sendWithRetry(method: string, path: string, options: RequestOptions, auth: boolean): Promise<Response> {
    const attempts = options.idempotencyKey ? 2 : 1
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.send(method, path, options, auth)
        if (attempt < attempts && [502, 503, 504].includes(response.status)) {
          await sleep(this.retryDelayMs)
          continue
        }
        return response
      } catch (error) {
        if (error instanceof ApiError) throw error
        if (attempt >= attempts) {
          throw new ApiError({
            status: 0, code: NETWORK_ERROR_CODE, title: 'Network error',
            detail: 'cannot reach the server',
          })
        }
        await sleep(this.retryDelayMs)
      }
    }
  }

  private send(method: string, path: string, options: RequestOptions, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json', 'Accept-Language': this.language,
    }
    if (options.body !== undefined) headers['Content-Type'] = 'application/json'
    if (auth && this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey
    return this.fetchImpl(this.url(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
  }

  private url(path: string, query?: RequestOptions['query']): string {
    const params = new URLSearchParams()
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') params.set(name, String(value))
    }
    const search = params.toString()
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`
  }
}

/**
 * One idempotency key per user action: the same payload submitted again after an unknown
 * outcome reuses the key (so the server replays instead of moving money twice); a changed
 * payload, a success or a definite refusal starts a new action.
 */
export class IdempotentAction {
  private key: string | null = null
  private payload: string | null = null

  keyFor(payload: unknown): string {
    const serialized = JSON.stringify(payload)
    if (this.key === null || serialized !== this.payload) {
      this.key = newIdempotencyKey()
      this.payload = serialized
    }
    return this.key
  }

  /** Runs `work` under this action's key, keeping the key only when a retry makes sense. */
  async run<T>(payload: unknown, work: (key: string) => Promise<T>): Promise<T> {
    const key = this.keyFor(payload)
    try {
      const result = await work(key)
      this.reset()
      return result
    } catch (error) {
      if (!(error instanceof ApiError && error.retryable)) this.reset()
      throw error
    }
  }

  reset(): void {
    this.key = null
    this.payload = null
  }
}
