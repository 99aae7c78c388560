"""The lending package's events (``finplat.events.types``). Payloads carry ids and amounts,
nothing personal. Shared by origination and servicing: append, never change a class."""

from __future__ import annotations

from finplat.events.types import DomainEvent


class LoanProductChanged(DomainEvent):
    """What every loan product event carries (abstract: no topic)."""

    loan_product_id: int
    institution_id: int
    status: str
    previous_status: str | None = None


class LoanProductCreated(LoanProductChanged):
    topic = "lending.product_created"


class LoanProductSubmitted(LoanProductChanged):
    topic = "lending.product_submitted"


class LoanProductApproved(LoanProductChanged):
    topic = "lending.product_approved"


class LoanProductRejected(LoanProductChanged):
    topic = "lending.product_rejected"


class ApplicationChanged(DomainEvent):
    application_id: int
    user_id: int
    product_id: int
    amount_minor: int
    currency: str
    status: str
    grade: str
    refusal_code: str | None = None


class ApplicationSubmitted(ApplicationChanged):
    """Decided by the scorer and the policies: waiting for a reviewer."""

    topic = "lending.application_submitted"


class ApplicationRefused(ApplicationChanged):
    topic = "lending.application_refused"


class ApplicationApproved(ApplicationChanged):
    topic = "lending.application_approved"
    loan_id: int


class ApplicationRejected(ApplicationChanged):
    topic = "lending.application_rejected"


class LoanListed(DomainEvent):
    topic = "lending.loan_listed"
    loan_id: int
    borrower_user_id: int
    amount_minor: int
    currency: str
    grade: str
    risk_level: str
    funding_ends_at: str


class BidPlaced(DomainEvent):
    topic = "lending.bid_placed"
    bid_id: int
    loan_id: int
    user_id: int
    amount_minor: int
    currency: str
    funded_minor: int


class LoanUnfunded(DomainEvent):
    """The funding window ended before the listing was filled: every bid's hold voided."""

    topic = "lending.loan_unfunded"
    loan_id: int
    borrower_user_id: int
    amount_minor: int
    funded_minor: int
    currency: str


class BidRefunded(DomainEvent):
    topic = "lending.bid_refunded"
    bid_id: int
    loan_id: int
    user_id: int
    amount_minor: int
    currency: str


class LoanDisbursed(DomainEvent):
    topic = "lending.loan_disbursed"
    loan_id: int
    borrower_user_id: int
    amount_minor: int
    net_minor: int
    upfront_fee_minor: int
    reserve_contribution_minor: int
    currency: str
    start_date: str
    installments: int
    agreement_sha256: str


class ClaimRecorded(DomainEvent):
    """An investor's funded bids became their claim on the loan's repayments."""

    topic = "lending.claim_recorded"
    claim_id: int
    loan_id: int
    user_id: int
    principal_minor: int
    currency: str


class LoanProductRetired(LoanProductChanged):
    topic = "lending.product_retired"


# ---- servicing: repayment, overdue, the risk reserve -------------------------------------------


class RepaymentReceived(DomainEvent):
    """Money from the borrower was applied to a loan and paid to its claim holders."""

    topic = "lending.repayment_received"
    receipt_id: int
    loan_id: int
    borrower_user_id: int
    kind: str  # collection | manual | prepayment | recovery
    amount_minor: int
    principal_minor: int
    interest_minor: int
    fee_minor: int
    penalty_minor: int
    currency: str
    business_date: str


class LoanPaidOff(DomainEvent):
    """Every installment of a loan is settled."""

    topic = "lending.loan_paid_off"
    loan_id: int
    borrower_user_id: int


class InstallmentDueSoon(DomainEvent):
    """An installment falls due in a few days (a reminder to the borrower)."""

    topic = "lending.installment_due_soon"
    loan_id: int
    installment_id: int
    borrower_user_id: int
    number: int
    due_date: str
    amount_minor: int
    currency: str


class InstallmentOverdue(DomainEvent):
    """An installment is unpaid past its grace days."""

    topic = "lending.installment_overdue"
    loan_id: int
    installment_id: int
    borrower_user_id: int
    number: int
    due_date: str
    owed_minor: int
    days_past_due: int
    currency: str


class LoanBucketMoved(DomainEvent):
    """A loan moved between overdue buckets (current, M1, M2, M3+)."""

    topic = "lending.bucket_moved"
    loan_id: int
    from_bucket: str
    to_bucket: str
    days_past_due: int
    business_date: str


class LoanCompensated(DomainEvent):
    """The risk reserve paid a loan's investors and took their claims over."""

    topic = "lending.loan_compensated"
    loan_id: int
    receipt_id: int
    amount_minor: int
    principal_minor: int
    interest_minor: int
    investors: int
    currency: str


class CompensationUnderfunded(DomainEvent):
    """A loan is due for compensation but the reserve does not hold enough (an alert)."""

    topic = "lending.compensation_underfunded"
    loan_id: int
    required_minor: int
    available_minor: int
    business_date: str


class LoanWrittenOff(DomainEvent):
    """Staff wrote a loan off (M3+), with a reason."""

    topic = "lending.loan_written_off"
    loan_id: int
    outstanding_minor: int
    bucket: str


class LoanPrepaid(DomainEvent):
    """A borrower repaid a whole loan ahead of its schedule (risk monitoring compares the amount
    with the monthly income declared in the application: early payoff out of line with it)."""

    topic = "lending.loan_prepaid"
    loan_id: int
    receipt_id: int
    user_id: int
    amount_minor: int
    principal_minor: int
    prepayment_fee_minor: int
    currency: str
    # What the application declared (a company: its monthly revenue); None when it declared none.
    declared_monthly_income_minor: int | None = None


class ApplicationWithdrawn(ApplicationChanged):
    """The applicant withdrew an application before a reviewer decided it."""

    topic = "lending.application_withdrawn"


class DisbursementHeld(DomainEvent):
    """A fully funded loan's payout waits for a risk officer (a blocking rule hit): the bids'
    holds stay in place."""

    topic = "lending.disbursement_held"
    loan_id: int
    borrower_user_id: int
    amount_minor: int
    currency: str
    review_id: int


class DisbursementRefused(DomainEvent):
    """A risk officer refused a held disbursement: the loan is refused, every bid's hold voided."""

    topic = "lending.disbursement_refused"
    loan_id: int
    borrower_user_id: int
    amount_minor: int
    currency: str
    bids: int
