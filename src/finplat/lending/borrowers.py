"""A borrower as the lending rules see it: one key per individual (``user:7``) or company
(``institution:3``), the lock that serialises its applications, what it owes on the platform
(the outstanding cap) and its record here (the scorer's history, the lenders' disclosure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.statements import insert_unless_taken
from finplat.lending.credit import PlatformHistory
from finplat.lending.models import (
    APPLICATION_PENDING_REVIEW,
    INSTALLMENT_COMPENSATED,
    INSTALLMENT_OVERDUE,
    INSTALLMENT_WRITTEN_OFF,
    LOAN_DISBURSED,
    LOAN_DISBURSEMENT_HELD,
    LOAN_LISTED,
    LOAN_PAID_OFF,
    LOAN_WRITTEN_OFF,
    Application,
    Borrower,
    Installment,
    Loan,
)
from finplat.lending.policy import COMPANY


@dataclass(frozen=True)
class BorrowerRef:
    kind: str  # "individual" | "company"
    user_id: int  # who applied
    institution_id: int | None  # the company (kind "company")

    @property
    def key(self) -> str:
        if self.kind == COMPANY:
            return f"institution:{self.institution_id}"
        return f"user:{self.user_id}"


async def lock(session: AsyncSession, ref: BorrowerRef, *, now: datetime) -> None:
    """Take the borrower's row lock for this transaction (created on first use): concurrent
    applications of one borrower check the outstanding cap one after the other."""
    await insert_unless_taken(session, Borrower, {"borrower_key": ref.key, "created_at": now})
    await session.execute(
        select(Borrower.id).where(Borrower.borrower_key == ref.key).with_for_update()
    )


def _applications_of(ref: BorrowerRef) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    if ref.kind == COMPANY:
        return (Application.borrower_kind == COMPANY,
                Application.institution_id == ref.institution_id)
    return (Application.borrower_kind == ref.kind, Application.user_id == ref.user_id)


async def outstanding_minor(session: AsyncSession, ref: BorrowerRef) -> int:
    """What counts against the cap: principal not yet repaid of disbursed loans (written-off
    ones included: still owed), listings (and funded ones whose payout waits for a risk
    review), and applications waiting for review."""
    where = _applications_of(ref)
    pending = await session.scalar(
        select(func.coalesce(func.sum(Application.amount_minor), 0))
        .where(*where, Application.status == APPLICATION_PENDING_REVIEW)
    )
    listed = await session.scalar(
        select(func.coalesce(func.sum(Loan.amount_minor), 0))
        .join(Application, Application.id == Loan.application_id)
        .where(*where, Loan.status.in_((LOAN_LISTED, LOAN_DISBURSEMENT_HELD)))
    )
    owed = await session.scalar(
        select(func.coalesce(func.sum(Loan.principal_outstanding_minor), 0))
        .join(Application, Application.id == Loan.application_id)
        .where(*where, Loan.status.in_((LOAN_DISBURSED, LOAN_WRITTEN_OFF)))
    )
    return int(pending or 0) + int(listed or 0) + int(owed or 0)


@dataclass(frozen=True)
class Record:
    """The borrower's record on the platform, as lenders are shown it."""

    loans: int
    paid_off: int
    written_off: int
    overdue_installments: int  # ever overdue (overdue now, compensated or written off)
    days_past_due_now: int  # the worst current delinquency

    def history(self) -> PlatformHistory:
        return PlatformHistory(loans=self.loans, paid_off=self.paid_off,
                               overdue_installments=self.overdue_installments,
                               written_off=self.written_off)


async def record(session: AsyncSession, ref: BorrowerRef) -> Record:
    where = _applications_of(ref)
    rows = (await session.execute(
        select(Loan.status, func.count(), func.coalesce(func.max(Loan.days_past_due), 0))
        .join(Application, Application.id == Loan.application_id)
        .where(*where, Loan.status.in_((LOAN_DISBURSED, LOAN_PAID_OFF, LOAN_WRITTEN_OFF)))
        .group_by(Loan.status)
    )).all()
    counts = {row[0]: int(row[1]) for row in rows}
    worst = max((int(row[2]) for row in rows if row[0] == LOAN_DISBURSED), default=0)
    overdue = await session.scalar(
        select(func.count()).select_from(Installment)
        .join(Loan, Loan.id == Installment.loan_id)
        .join(Application, Application.id == Loan.application_id)
        .where(*where, Installment.status.in_(
            (INSTALLMENT_OVERDUE, INSTALLMENT_COMPENSATED, INSTALLMENT_WRITTEN_OFF)))
    )
    return Record(
        loans=sum(counts.values()),
        paid_off=counts.get(LOAN_PAID_OFF, 0),
        written_off=counts.get(LOAN_WRITTEN_OFF, 0),
        overdue_installments=int(overdue or 0),
        days_past_due_now=worst,
    )


def ref_of_loan(loan: Loan, application_institution_id: int | None) -> BorrowerRef:
    return BorrowerRef(kind=loan.borrower_kind, user_id=loan.borrower_user_id,
                       institution_id=application_institution_id)
