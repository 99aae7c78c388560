/** Display helpers for values other than money (see money.ts). */

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

export const RISK_LEVELS: Record<string, string> = {
  C1: 'C1 保守型', C2: 'C2 谨慎型', C3: 'C3 稳健型', C4: 'C4 积极型', C5: 'C5 激进型',
}

export const PRODUCT_RISK_LEVELS: Record<string, string> = {
  R1: 'R1 低风险', R2: 'R2 中低风险', R3: 'R3 中风险', R4: 'R4 中高风险', R5: 'R5 高风险',
}

export const PRODUCT_STATUS: Record<string, string> = {
  draft: '草稿 draft', submitted: '待审核 submitted', approved: '已批准 approved', rejected: '已驳回 rejected',
  raising: '募集中 raising', raised: '募集完成 raised', failed: '募集失败 failed', running: '运作中 running',
  payout_pending: '待兑付 payout pending', matured: '已到期 matured', delisted: '已下架 delisted',
}

export const PRODUCT_TYPES: Record<string, string> = {
  fixed_income: '固定收益 fixed income', mixed: '混合 mixed', equity: '权益 equity', derivative: '衍生品 derivative',
}

export const KYC_STATUS: Record<string, string> = {
  verified: '已实名 verified', unverified: '未实名 unverified', pending: '审核中 pending',
  rejected: '未通过 rejected', none: '未实名 not verified',
}

export const MOVEMENT_STATUS: Record<string, string> = {
  created: '已创建 created', pending: '处理中 pending', sent: '处理中 sent', succeeded: '成功 succeeded',
  failed: '失败 failed',
}

/** Ledger entry codes a customer sees on their wallet; others are shown as they come. */
export const TRANSACTION_TYPES: Record<string, string> = {
  deposit: '充值 deposit', withdraw: '提现 withdraw', fee: '手续费 fee', invest: '投资 invest',
  product_payout: '兑付 payout', red_packet: '红包 red packet', coupon: '优惠券 coupon',
}

export const POSTING_STATUS: Record<string, string> = {
  pending: '冻结中 held', posted: '已入账 posted', voided: '已解冻 released',
}

export const ORDER_STATUS: Record<string, string> = {
  pending: '待确认 pending', confirmed: '已确认 confirmed', cancelled: '已撤单 cancelled', refunded: '已退款 refunded',
}

export const HOLDING_STATUS: Record<string, string> = {
  accruing: '计息中 accruing', awaiting_payout: '待兑付 awaiting payout', paid: '已兑付 paid',
}

export const REPAYMENT_METHODS: Record<string, string> = {
  equal_installment: '等额本息 equal installments', equal_principal: '等额本金 equal principal',
  interest_first: '先息后本 interest first', bullet: '到期还本付息 bullet',
}

export const LOAN_STATUS: Record<string, string> = {
  applied: '已申请 applied', scored: '已评分 scored', approved: '已批准 approved', rejected: '已拒绝 rejected',
  listed: '募集中 listed', funded: '已满标 funded', expired: '已流标 expired', disbursed: '已放款 disbursed',
  repaying: '还款中 repaying', settled: '已结清 settled', overdue: '逾期 overdue', written_off: '已核销 written off',
}

/** The calendar day after a `YYYY-MM-DD` date (for half-open periods). */
export function nextDay(date: string): string {
  const [year, month, day] = date.split('-').map(Number)
  const next = new Date(Date.UTC(year, month - 1, day + 1))
  return next.toISOString().slice(0, 10)
}

export const DIRECTION: Record<string, string> = { credit: '收入 in', debit: '支出 out', in: '收入 in', out: '支出 out' }

export function label(map: Record<string, string>, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—'
  return map[String(value)] ?? String(value)
}

/** A column heading from a field name: `accrued_interest_minor` → `accrued interest`. */
export function humanize(field: string): string {
  return field.replace(/_(minor|at|date)$/, '').replace(/_/g, ' ')
}
