"""Request and response shapes of servicing (docs/LENDING.md "Servicing API")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from finplat.core.fields import AmountMinor, SingleLine


class RepaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Default: everything due now.
    amount_minor: AmountMinor | None = None


class PayoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The quote the borrower accepted; a different payoff amount is refused.
    expected_total_minor: AmountMinor | None = None


class WriteOffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[SingleLine, Field(min_length=1, max_length=500)]


class InstallmentOut(BaseModel):
    number: int
    due_date: str
    principal_minor: int
    interest_minor: int
    fee_minor: int
    penalty_minor: int
    total_minor: int
    paid_minor: int
    owed_minor: int
    status: str


class ScheduleOut(BaseModel):
    loan_id: int
    status: str
    currency: str
    installments: list[InstallmentOut]


class NextDueOut(BaseModel):
    number: int
    due_date: str
    owed_minor: int
    status: str


class MyLoanOut(BaseModel):
    id: int
    amount_minor: int
    currency: str
    term_months: int
    repayment_method: str
    annual_rate: str
    apr: str
    status: str
    start_date: str | None
    principal_outstanding_minor: int
    bucket: str
    days_past_due: int
    next_due: NextDueOut | None


class MyLoansOut(BaseModel):
    items: list[MyLoanOut]
    next_cursor: str | None


class PayoffQuoteOut(BaseModel):
    loan_id: int
    business_date: str
    currency: str
    principal_minor: int
    interest_minor: int
    fee_minor: int
    penalty_minor: int
    prepayment_fee_minor: int
    # The loan's contract rate (basis points of the principal outstanding), so the borrower sees
    # what the fee line is computed from.
    prepayment_fee_rate_bps: int
    total_minor: int


class AllocationOut(BaseModel):
    installment_id: int
    number: int
    penalty_minor: int
    interest_minor: int
    principal_minor: int
    fee_minor: int


class ReceiptOut(BaseModel):
    id: int
    loan_id: int
    kind: str
    amount_minor: int
    currency: str
    principal_minor: int
    interest_minor: int
    fee_minor: int
    penalty_minor: int
    allocation: list[AllocationOut]
    business_date: str
    created_at: str


class HoldingOut(BaseModel):
    claim_id: int
    loan_id: int
    currency: str
    principal_minor: int
    annual_rate: str
    term_months: int
    grade: str
    loan_status: str
    bucket: str
    received_principal_minor: int
    received_interest_minor: int
    received_penalty_minor: int
    expected_principal_minor: int
    expected_interest_minor: int
    taken_over_by_reserve: bool
    next_due: NextDueOut | None


class HoldingsOut(BaseModel):
    items: list[HoldingOut]
    next_cursor: str | None


class StaffLoanOut(BaseModel):
    id: int
    borrower_user_id: int
    amount_minor: int
    currency: str
    term_months: int
    grade: str
    status: str
    principal_outstanding_minor: int
    bucket: str
    days_past_due: int
    disbursed_at: datetime | None
    write_off_reason: str | None


class StaffLoansOut(BaseModel):
    items: list[StaffLoanOut]
    next_cursor: str | None


class ReserveOut(BaseModel):
    balance_minor: int
    outstanding_principal_minor: int
    overdue_principal_minor: int
    coverage_of_outstanding: str | None
    coverage_of_overdue: str | None


class WriteOffOut(BaseModel):
    loan_id: int
    status: str
    outstanding_minor: int
    reason: str


class BucketRateOut(BaseModel):
    bucket: str
    loans: int
    principal_minor: int
    rate: str | None


class LendingDisclosureOut(BaseModel):
    loans: int
    lent_minor: int
    repaid_principal_minor: int
    repaid_interest_minor: int
    outstanding_principal_minor: int
    overdue: list[BucketRateOut]
    reserve_balance_minor: int
    reserve_coverage_of_overdue: str | None
    compensations: int
    compensated_minor: int
    written_off: int
    listed: int
