/** Display helpers for values other than money (see money.ts). */
import { i18n } from './i18n'

const DATE_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hour12: false,
})

/** An ISO instant shown in Beijing time (business dates are Asia/Shanghai). */
export function formatInstant(value: unknown): string {
  if (typeof value !== 'string' || !value) return '—'
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? value : DATE_TIME.format(date).replace(/\//g, '-')
}

const DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
})

/** A date as `2026-12-03` in both languages (unambiguous either way): an ISO instant is taken
 * in Beijing time, a bare `YYYY-MM-DD` business date is shown as it is. */
export function formatDate(value: unknown): string {
  if (typeof value !== 'string' || !value) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? value : DATE.format(date)
}

/** Groups of coded values and their labels (src/locales/status.ts): `label(ORDER_STATUS, 'pending')`. */
export const RISK_LEVELS = 'riskLevel'
export const PRODUCT_RISK_LEVELS = 'productRisk'
export const PRODUCT_STATUS = 'product'
export const PRODUCT_TYPES = 'productType'
export const KYC_STATUS = 'kyc'
export const MOVEMENT_STATUS = 'movement'
export const CHANNELS = 'channel'
/** Ledger entry codes a customer sees on their wallet; others are shown as they come. */
export const TRANSACTION_TYPES = 'transaction'
export const POSTING_STATUS = 'posting'
export const ORDER_STATUS = 'order'
export const HOLDING_STATUS = 'holding'
export const REPAYMENT_METHODS = 'repayment'
export const LOAN_STATUS = 'loan'
export const INSTALLMENT_STATUS = 'installment'
export const DIRECTION = 'direction'
export const ROLES = 'role'

/** The calendar day after a `YYYY-MM-DD` date (for half-open periods). */
export function nextDay(date: string): string {
  const [year, month, day] = date.split('-').map(Number)
  const next = new Date(Date.UTC(year, month - 1, day + 1))
  return next.toISOString().slice(0, 10)
}

/** The label of a coded value in the current language; an unknown value is shown as it is. */
export function label(group: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  const key = `status.${group}.${String(value)}`
  return i18n.global.te(key) ? i18n.global.t(key) : String(value)
}

/** A group's values and labels, for filters and radio buttons. */
export function options(group: string): { value: string; label: string }[] {
  const tree = i18n.global.getLocaleMessage(i18n.global.locale.value) as Record<string, Record<string, Record<string, string>>>
  return Object.keys(tree.status?.[group] ?? {}).map((value) => ({ value, label: label(group, value) }))
}

/** A column heading from a field name: `accrued_interest_minor` → `accrued interest`. */
export function humanize(field: string): string {
  return field.replace(/_(minor|at|date)$/, '').replace(/_/g, ' ')
}
