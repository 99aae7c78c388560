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
  [extra: string]: unknown
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
  raised_minor?: number
  status?: string
  raise_start_at?: string
  raise_end_at?: string
  currency?: string
  description?: string
  risk_disclosure?: string
  [extra: string]: unknown
}

export interface OrderRequest {
  amount_minor: number
  acknowledge_risk_mismatch?: boolean
  coupon_id?: number | string
}

export interface Order {
  id: number | string
  status: string
  [extra: string]: unknown
}

export type Row = Record<string, unknown>
