/** The app's API: one shared client and a typed function per endpoint it uses. */
import { ApiClient } from './client'
import { http, ok, type Schemas } from './http'
import type {
  Account, BankCard, FundsMovement, Inbox, KycRequest, KycResult, Me, Order, OrderRequest, Page, Product,
  Questionnaire, RiskAssessment, Row, Transaction,
} from './types'

export const client = new ApiClient()

/** The 403 a purchase above one's risk level gets until the investor confirms the warning. */
export const SUITABILITY_MISMATCH = 'investment.suitability_mismatch'
/** A purchase made against a disclosure or warning that has since been revised. */
export const OUTDATED_TEXT_CODES = ['investment.disclosure_outdated', 'investment.warning_outdated']
/** Login refused until the phone or email is confirmed with the code sent to it. */
export const CONTACT_UNCONFIRMED = 'identity.contact_unconfirmed'

/** Lists are `{items, next_cursor}`; an endpoint that answers a bare array is treated as one page. */
export function asPage<T>(value: Page<T> | T[] | null | undefined): Page<T> {
  if (Array.isArray(value)) return { items: value, next_cursor: null }
  if (value && Array.isArray(value.items)) return { items: value.items, next_cursor: value.next_cursor ?? null }
  return { items: [], next_cursor: null }
}

/** Business dates (Asia/Shanghai), half-open: `from` inclusive, `to` the day after the last. */
export interface TransactionFilter {
  from?: string
  to?: string
  type?: string
}

export interface PageQuery {
  limit?: number
  cursor?: string | null
}

async function page<T>(path: string, query: Record<string, string | number | null | undefined>): Promise<Page<T>> {
  return asPage(await client.get<Page<T> | T[]>(path, query))
}

export const api = {
  sendRegistrationCode: (body: { phone?: string; email?: string }) =>
    client.request<{ development_code: string | null }>('POST', '/auth/register/code', { body, auth: false }),
  agreements: () =>
    client.request<{ language: string; agreements: { kind: string; version: number; title: string; body: string }[] }>(
      'GET',
      '/agreements',
      { auth: false },
    ),
  register: (body: {
    phone?: string
    email?: string
    password: string
    code: string
    agreements: Record<string, number>
  }) => client.request<{ user_id: number | string }>('POST', '/auth/register', { body, auth: false }),
  confirmContact: (body: { login: string; code: string }) =>
    client.request<void>('POST', '/auth/confirm', { body, auth: false }),
  resendCode: (body: { login: string }) =>
    client.request<void>('POST', '/auth/confirm/resend', { body, auth: false }),
  me: async (): Promise<Me> => (await ok(http.GET('/api/v1/me'))) as Me,
  notifications: (query: PageQuery) => client.get<Inbox>('/me/notifications', { ...query }),
  unreadCount: () => ok(http.GET('/api/v1/me/notifications/unread-count')),
  markNotificationRead: (id: number) => client.post<void>(`/me/notifications/${id}/read`),
  markAllNotificationsRead: () => client.post<void>('/me/notifications/read-all'),
  submitKyc: (body: KycRequest) => client.post<KycResult>('/me/kyc', body),
  questionnaire: () => client.get<Questionnaire>('/risk-assessment/questionnaire'),
  submitRiskAssessment: (body: { version: string | number; answers: Record<string, string> }) =>
    client.post<RiskAssessment>('/me/risk-assessment', body),

  account: async (): Promise<Account> => (await ok(http.GET('/api/v1/me/account'))) as Account,
  bankCards: () => client.get<{ items: BankCard[] }>('/me/bank-cards'),
  deposits: (query: PageQuery) => page<FundsMovement>('/me/deposits', { ...query }),
  withdrawals: (query: PageQuery) => page<FundsMovement>('/me/withdrawals', { ...query }),
  deposit: async (body: Schemas['DepositRequest'], key: string): Promise<FundsMovement> =>
    (await ok(http.POST('/api/v1/me/deposits', { body, params: { header: { 'Idempotency-Key': key } } }))) as FundsMovement,
  withdraw: async (body: Schemas['WithdrawalRequest'], key: string): Promise<FundsMovement> =>
    (await ok(http.POST('/api/v1/me/withdrawals', { body, params: { header: { 'Idempotency-Key': key } } }))) as FundsMovement,
  transactions: (query: PageQuery & TransactionFilter) => page<Transaction>('/me/transactions', { ...query }),
  transactionsCsv: (filter: TransactionFilter) => client.download('/me/transactions.csv', { ...filter }),

  products: (query: PageQuery & { risk_level?: string; type?: string }) => page<Product>('/products', { ...query }),
  product: (id: string) => client.get<Product>(`/products/${encodeURIComponent(id)}`),
  placeOrder: (productId: string | number, body: OrderRequest, key: string) =>
    client.post<Order>(`/products/${encodeURIComponent(String(productId))}/orders`, body, key),
  holdings: (query: PageQuery) => page<Row>('/me/holdings', { ...query }),
  orders: (query: PageQuery) => page<Row>('/me/orders', { ...query }),
  cancelOrder: (id: string | number) => client.post<Row>(`/me/orders/${encodeURIComponent(String(id))}/cancel`),

  adminProducts: (query: PageQuery & { status?: string }) => page<Product>('/admin/products', { ...query }),
  adminProduct: (id: string | number) => client.get<Product>(`/admin/products/${encodeURIComponent(String(id))}`),
  reviewProduct: (id: string | number, decision: 'approve' | 'reject' | 'publish', body: Row = {}) =>
    client.post<Product>(`/admin/products/${encodeURIComponent(String(id))}/${decision}`, body),
  auditLog: (query: PageQuery) => page<Row>('/admin/audit', { ...query }),
}
