/** What the lending endpoints answer. Their OpenAPI answers are open objects (the items of
 * `Schemas['Page_dict_str__Any__']`, `{[key: string]: unknown}`), so these name the fields the
 * lending pages read; a view casts the generated answer to one of them once, where it loads it. */
import type { Schemas } from '@/api/http'

export type RepaymentMethod = Schemas['ApplicationIn']['repayment_method']

/** A loan product (`/loan-products` for borrowers, `/lending/products` for its institution). */
export interface LoanProduct {
  id: number
  name: string
  status: string
  borrower_kind: string
  min_amount_minor: number
  max_amount_minor: number
  term_months: number[]
  repayment_methods: RepaymentMethod[]
  min_annual_rate: string
  max_annual_rate: string
}

/** One of the borrower's applications, and the answer to a new one (with its credit result). */
export interface LoanApplication {
  id: number
  status: string
  amount_minor: number
  created_at: string
  apr?: string | null
  lpr_one_year?: string | null
  credit?: { score: number; grade: string; limit_minor: number; annual_rate: string; reasons?: { text: string }[] } | null
  refusal?: { detail: string } | null
}

/** A listing: the loan's terms and what a lender must know of the borrower. */
export interface Listing {
  id: number
  status: string
  amount_minor: number
  remaining_minor: number
  min_bid_minor: number
  bid_step_minor: number
  term_months: number
  repayment_method: RepaymentMethod
  annual_rate: string
  apr: string
  grade: string
  risk_level: string
  purpose: string
  funding_ends_at: string
  upfront_fee_minor: number
  installment_fee_minor: number
  agreement_sha256?: string | null
  borrower?: {
    kind: string
    masked_name: string
    record?: { loans: number; paid_off: number; written_off: number; overdue_installments: number; days_past_due_now: number }
  }
}

/** The agreement as issued: the stored HTML and its SHA-256. */
export interface Agreement {
  html: string
  sha256: string
  template_version: string
}

