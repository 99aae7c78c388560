"""The lending package's events (``finplat.events.types``)."""

from __future__ import annotations

from finplat.events.types import DomainEvent

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
