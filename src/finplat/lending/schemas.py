"""HTTP shapes of the lending origination API (products, applications, bids)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finplat.core.fields import AmountMinor, AmountMinorOrZero, SingleLine, Text
from finplat.lending import schedule as schedule_rules
from finplat.lending.products import MAX_PREPAYMENT_FEE_RATE_BPS, ProductTerms

MAX_LOAN_MINOR = 10**11  # 10亿: far above any cap, a typo guard
Rate = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[0-9]+(\.[0-9]{1,6})?$",
                            examples=["0.072"])]
Method = Literal["equal_installment", "equal_principal", "interest_first", "bullet"]
LoanAmount = Annotated[AmountMinor, Field(le=MAX_LOAN_MINOR)]


def _rate(value: str, field: str, *, high: Decimal) -> Decimal:
    rate = Decimal(value)
    if rate > high:
        raise ValueError(f"{field} must be at most {high}")
    return rate


class LoanProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SingleLine = Field(min_length=1, max_length=128)
    borrower_kind: Literal["individual", "company", "both"] = "individual"
    min_amount_minor: LoanAmount
    max_amount_minor: LoanAmount
    term_months: list[Annotated[int, Field(ge=1, le=schedule_rules.MAX_TERM_MONTHS)]] = Field(
        min_length=1, max_length=36)
    min_annual_rate: Rate
    max_annual_rate: Rate
    repayment_methods: list[Method] = Field(min_length=1, max_length=4)
    service_fee_kind: Literal["upfront", "per_installment"]
    service_fee_rate: Rate = Field(description="of the principal: once, or each month")
    penalty_daily_rate: Rate
    grace_days: int = Field(ge=0, le=30)
    reserve_rate: Rate = Field(description="of the principal, paid into the risk reserve")
    funding_window_days: int = Field(ge=1, le=30)
    prepayment_fee_rate_bps: int = Field(
        default=0, ge=0, le=MAX_PREPAYMENT_FEE_RATE_BPS,
        description="fee on an early payoff, basis points of the principal outstanding then")

    @model_validator(mode="after")
    def _consistent(self) -> LoanProductCreate:
        if self.min_amount_minor > self.max_amount_minor:
            raise ValueError("min_amount_minor must not exceed max_amount_minor")
        low = _rate(self.min_annual_rate, "min_annual_rate", high=Decimal("0.36"))
        high = _rate(self.max_annual_rate, "max_annual_rate", high=Decimal("0.36"))
        if low > high:
            raise ValueError("min_annual_rate must not exceed max_annual_rate")
        _rate(self.service_fee_rate, "service_fee_rate", high=Decimal("0.1"))
        _rate(self.penalty_daily_rate, "penalty_daily_rate", high=Decimal("0.001"))
        _rate(self.reserve_rate, "reserve_rate", high=Decimal("0.1"))
        return self

    def terms(self) -> ProductTerms:
        return ProductTerms(
            name=self.name, borrower_kind=self.borrower_kind,
            min_amount_minor=self.min_amount_minor, max_amount_minor=self.max_amount_minor,
            term_months=list(self.term_months), min_annual_rate=Decimal(self.min_annual_rate),
            max_annual_rate=Decimal(self.max_annual_rate),
            repayment_methods=list(self.repayment_methods),
            service_fee_kind=self.service_fee_kind,
            service_fee_rate=Decimal(self.service_fee_rate),
            penalty_daily_rate=Decimal(self.penalty_daily_rate), grace_days=self.grace_days,
            reserve_rate=Decimal(self.reserve_rate),
            funding_window_days=self.funding_window_days,
            prepayment_fee_rate_bps=self.prepayment_fee_rate_bps)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Text | None = Field(default=None, max_length=500)


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(ge=1, le=2**62)
    borrower_kind: Literal["individual", "company"] = "individual"
    amount_minor: LoanAmount
    term_months: int = Field(ge=1, le=schedule_rules.MAX_TERM_MONTHS)
    repayment_method: Method
    purpose: SingleLine = Field(min_length=1, max_length=200)
    monthly_income_minor: AmountMinorOrZero | None = Field(
        default=None, description="declared; a company: its monthly revenue")
    dependants: int | None = Field(default=None, ge=0, le=20)
    monthly_debt_payments_minor: AmountMinorOrZero = 0
    employment: Literal["employed", "self_employed", "retired", "student", "other"] | None = None


class BidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_minor: LoanAmount
    acknowledge_risk_mismatch: bool = False


# ---- responses (what ``products``, ``application_views``, ``listings``, ``bids`` and
# ``agreement`` return; instants are ISO 8601 strings in UTC, amounts integer fen) -----------

class LoanProductOut(BaseModel):
    """A loan product as applicants see it (``/loan-products``)."""

    id: int
    institution_id: int
    name: str
    borrower_kind: Literal["individual", "company", "both"]
    currency: str
    min_amount_minor: int
    max_amount_minor: int
    term_months: list[int]
    min_annual_rate: str
    max_annual_rate: str
    repayment_methods: list[Method]
    service_fee_kind: Literal["upfront", "per_installment"]
    service_fee_rate: str
    penalty_daily_rate: str
    grace_days: int
    reserve_rate: str
    funding_window_days: int
    prepayment_fee_rate_bps: int
    status: str
    version: int
    created_at: str


class LoanProductReviewedOut(LoanProductOut):
    """A loan product with its maker-checker trail (its institution and staff)."""

    created_by_user_id: int
    submitted_at: str | None
    reviewed_by_user_id: int | None
    reviewed_at: str | None
    review_note: str | None


class CreditReasonOut(BaseModel):
    code: str
    text: str


class CreditResultOut(BaseModel):
    score: int
    grade: str
    limit_minor: int
    annual_rate: str
    rate_tier: str | None
    reasons: list[CreditReasonOut]
    scorer: str
    model_version: str


class RefusalOut(BaseModel):
    code: str
    detail: str


class LoanApplicationOut(BaseModel):
    id: int
    status: str
    product_id: int
    borrower_kind: Literal["individual", "company"]
    institution_id: int | None
    amount_minor: int
    currency: str
    term_months: int
    repayment_method: Method
    purpose: str
    credit: CreditResultOut
    apr: str
    lpr_one_year: str
    refusal: RefusalOut | None
    review_note: str | None
    reviewed_at: str | None
    created_at: str


class LoanApplicationReviewedOut(LoanApplicationOut):
    """A reviewer's decision: the listing it opened (approved) or none."""

    loan_id: int | None


class BorrowerRecordOut(BaseModel):
    loans: int
    paid_off: int
    written_off: int
    overdue_installments: int
    days_past_due_now: int


class BorrowerDisclosureOut(BaseModel):
    """What a lender must be told of the borrower: masked name, kind, record on the platform."""

    kind: str
    masked_name: str | None
    record: BorrowerRecordOut


class LoanListingOut(BaseModel):
    id: int
    status: str
    product_id: int
    institution_id: int
    amount_minor: int
    currency: str
    funded_minor: int
    remaining_minor: int
    bid_count: int
    term_months: int
    repayment_method: Method
    annual_rate: str
    apr: str
    lpr_one_year: str
    grade: str
    risk_level: str
    purpose: str
    service_fee_kind: str
    upfront_fee_minor: int
    installment_fee_minor: int
    reserve_contribution_minor: int
    penalty_daily_rate: str
    grace_days: int
    prepayment_fee_rate_bps: int
    listed_at: str
    funding_ends_at: str
    disbursed_at: str | None
    start_date: str | None
    agreement_sha256: str | None
    min_bid_minor: int
    bid_step_minor: int
    borrower: BorrowerDisclosureOut


class LoanBidOut(BaseModel):
    id: int
    loan_id: int
    amount_minor: int
    currency: str
    status: str
    investor_risk_level: str
    risk_mismatch_acknowledged: bool
    created_at: str


class LoanBidPlacedOut(LoanBidOut):
    loan_funded_minor: int
    loan_remaining_minor: int
    disbursed: bool
    # Present when the bid filled the listing: a blocking risk rule held the payout for review.
    disbursement_held: bool | None = None


class LoanBidsOut(BaseModel):
    items: list[LoanBidOut]


class LoanAgreementOut(BaseModel):
    loan_id: int
    html: str
    sha256: str
    template_version: str
    created_at: str
