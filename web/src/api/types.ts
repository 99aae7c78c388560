/** Shapes from the public contract (docs: /work/shared/API.md, live: /openapi.json). */

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export interface Me {
  user_id: number | string
  phone: string | null
  email: string | null
  roles: string[]
  kyc_status: string
  risk_level: string | null
  status?: string
  real_name?: string | null
  id_number?: string | null
  risk_level_expires_at?: string | null
  created_at?: string
  [extra: string]: unknown
}

export interface BankCard {
  id: number
  card_number_masked: string
  bank_name: string | null
  created_at: string
}

export interface KycRequest {
  real_name: string
  id_number: string
  bank_card_number?: string
  bank_reserved_phone?: string
}

export interface KycResult {
  kyc_status: string
  real_name: string
  id_number: string
}

export interface QuestionOption {
  id: string
  text: string
}

export interface Question {
  id: string
  topic?: string
  text: string
  options: QuestionOption[]
}

export interface Questionnaire {
  version: string | number
  questions: Question[]
}

export interface RiskAssessment {
  risk_level: string
  score: number
  expires_at: string
  version?: string
  assessed_at?: string
}

export interface Account {
  balance_minor: number
  available_minor: number
  frozen_minor: number
  currency: string
}

export interface FundsMovement {
  id: number | string
  status: string
  amount_minor: number
  currency: string
  [extra: string]: unknown
}

export interface Transaction {
  id: number | string
  type: string
  amount_minor: number
  direction: string
  balance_after_minor: number
  created_at: string
  reference: string | null
  [extra: string]: unknown
}

export interface Product {
  id: number | string
  name: string
  type: string
  risk_level: string
  annual_rate: string
  term_days: number
  min_amount_minor: number
  step_amount_minor: number
  raise_target_minor: number
  raise_cap_minor?: number
  max_per_investor_minor?: number
  sold_minor?: number
  remaining_minor?: number
  order_count?: number
  status?: string
  raise_start_at?: string
  raise_end_at?: string
  value_date?: string | null
  maturity_date?: string | null
  currency?: string
  qualified_only?: boolean
  /** Newest version of each text: `disclosure`, `risk_disclosure`, `mismatch_warning`. */
  disclosures?: Record<string, Disclosure> | null
  review?: Record<string, unknown> | null
  [extra: string]: unknown
}

export interface Disclosure {
  version: number
  text: string
  published_at?: string
}

export interface OrderRequest {
  amount_minor: number
  /** The version of the risk disclosure the investor read and confirmed. */
  disclosure_version?: number
  acknowledge_risk_mismatch?: boolean
  /** With acknowledge_risk_mismatch: the version of the mismatch warning confirmed. */
  risk_warning_version?: number
  coupon_id?: number | string
}

export interface Order {
  id: number | string
  status: string
  [extra: string]: unknown
}

export type Row = Record<string, unknown>

/** One inbox message, rendered by the server in the language the browser asks for. */
export interface Notification {
  id: number
  topic: string
  title: string
  body: string
  created_at: string
  read_at: string | null
}

export interface Inbox extends Page<Notification> {
  unread: number
}
