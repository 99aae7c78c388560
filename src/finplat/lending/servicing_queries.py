"""What servicing shows: borrowers' schedules and loans, investors' holdings, operators' loan
book, overdue list and reserve, and the public risk disclosure. Reads only (one read-only
transaction per call), nothing personal (the borrower appears as a user id to staff only)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import NotFound
from finplat.core.pagination import PageParams
from finplat.ledger import service as ledger_service
from finplat.lending import distribution, pro_rata
from finplat.lending.allocation import split_receipt
from finplat.lending.models import (
    BUCKET_CURRENT,
    BUCKET_M1,
    BUCKET_M2,
    BUCKET_M3_PLUS,
    HOLDER_RESERVE,
    LOAN_DISBURSED,
    LOAN_LISTED,
    LOAN_PAID_OFF,
    LOAN_WRITTEN_OFF,
    RECEIPT_COMPENSATION,
)
from finplat.lending.tables import CLAIM, INSTALLMENT, LOAN, RECEIPT

BUCKETS = (BUCKET_M1, BUCKET_M2, BUCKET_M3_PLUS)
BOOKED = (LOAN_DISBURSED, LOAN_PAID_OFF, LOAN_WRITTEN_OFF)


def _not_found() -> NotFound:
    return NotFound("lending.loan_not_found", "no such loan")


def installment_view(row: Any) -> dict[str, Any]:
    total = row.principal_minor + row.interest_minor + row.fee_minor + row.penalty_minor
    paid = (row.paid_principal_minor + row.paid_interest_minor + row.paid_fee_minor
            + row.paid_penalty_minor)
    return {"number": row.number, "due_date": row.due_date.isoformat(),
            "principal_minor": row.principal_minor, "interest_minor": row.interest_minor,
            "fee_minor": row.fee_minor, "penalty_minor": row.penalty_minor,
            "total_minor": total, "paid_minor": paid, "owed_minor": total - paid,
            "status": row.status}


async def _installments(session: AsyncSession, loan_ids: Sequence[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {loan_id: [] for loan_id in loan_ids}
    if loan_ids:
        rows = await session.execute(select(INSTALLMENT).where(
            INSTALLMENT.c.loan_id.in_(list(loan_ids))).order_by(INSTALLMENT.c.loan_id,
                                                                INSTALLMENT.c.number))
        for row in rows.all():
            found[row.loan_id].append(row)
    return found


async def schedule(session: AsyncSession, *, loan_id: int, user_id: int,
                   staff: bool) -> dict[str, Any]:
    """A loan's installments: for its borrower, its investors and staff (404 for others)."""
    loan = (await session.execute(select(LOAN).where(LOAN.c.id == loan_id))).one_or_none()
    if loan is None:
        raise _not_found()
    if not staff and loan.borrower_user_id != user_id:
        holder = await session.scalar(select(CLAIM.c.id).where(
            CLAIM.c.loan_id == loan_id, CLAIM.c.user_id == user_id).limit(1))
        if holder is None:
            raise _not_found()
    rows = (await _installments(session, [loan_id]))[loan_id]
    return {"loan_id": loan.id, "status": loan.status, "currency": loan.currency,
            "installments": [installment_view(r) for r in rows]}


def next_due(rows: Sequence[Any]) -> dict[str, Any] | None:
    for row in rows:
        if row.status in distribution.OPEN_STATES and distribution.owed(row).total_minor > 0:
            return {"number": row.number, "due_date": row.due_date.isoformat(),
                    "owed_minor": distribution.owed(row).total_minor, "status": row.status}
    return None


def loan_view(loan: Any, rows: Sequence[Any]) -> dict[str, Any]:
    return {"id": loan.id, "amount_minor": loan.amount_minor, "currency": loan.currency,
            "term_months": loan.term_months, "repayment_method": loan.repayment_method,
            "annual_rate": loan.annual_rate, "apr": loan.apr, "status": loan.status,
            "start_date": loan.start_date.isoformat() if loan.start_date else None,
            "principal_outstanding_minor": loan.principal_outstanding_minor,
            "bucket": loan.bucket, "days_past_due": loan.days_past_due,
            "next_due": next_due(rows)}


async def my_loans(session: AsyncSession, *, user_id: int,
                   page: PageParams) -> list[dict[str, Any]]:
    """The borrower's loans that reached disbursement, newest first."""
    query = select(LOAN).where(LOAN.c.borrower_user_id == user_id, LOAN.c.status.in_(BOOKED))
    if page.last_id is not None:
        query = query.where(LOAN.c.id < page.last_id)
    loans = (await session.execute(query.order_by(LOAN.c.id.desc()).limit(page.fetch_limit))).all()
    rows = await _installments(session, [loan.id for loan in loans])
    return [loan_view(loan, rows[loan.id]) for loan in loans]


async def holdings(session: AsyncSession, *, user_id: int,
                   page: PageParams) -> list[dict[str, Any]]:
    """The investor's claims: what each received, and what it still expects (its pro-rata
    part of the principal and interest the open installments owe; none once the reserve took
    the claim over)."""
    c = CLAIM.c
    query = select(CLAIM).where(c.user_id == user_id, c.holder_kind != HOLDER_RESERVE)
    if page.last_id is not None:
        query = query.where(c.id < page.last_id)
    claims = (await session.execute(query.order_by(c.id.desc()).limit(page.fetch_limit))).all()
    loan_ids = sorted({claim.loan_id for claim in claims})
    loans = {row.id: row for row in (await session.execute(
        select(LOAN).where(LOAN.c.id.in_(loan_ids)))).all()}
    active = (await session.execute(select(c.id, c.loan_id, c.principal_minor).where(
        c.loan_id.in_(loan_ids), c.transferred_at.is_(None)).order_by(c.id))).all()
    rows = await _installments(session, loan_ids)
    received = await pro_rata.received(session, [claim.id for claim in claims])
    return [_holding(claim, loans[claim.loan_id], rows[claim.loan_id],
                     [a for a in active if a.loan_id == claim.loan_id], received[claim.id])
            for claim in claims]


def _holding(claim: Any, loan: Any, rows: Sequence[Any], active: Sequence[Any],
             received: tuple[int, int, int]) -> dict[str, Any]:
    open_rows = [r for r in rows if r.status in distribution.OPEN_STATES]
    principal = sum(distribution.owed(r).principal_minor for r in open_rows)
    interest = sum(distribution.owed(r).interest_minor for r in open_rows)
    expected_principal = expected_interest = 0
    ids = [a.id for a in active]
    if claim.transferred_at is None and claim.id in ids:
        shares = [a.principal_minor for a in active]
        expected_principal = split_receipt(principal, shares)[ids.index(claim.id)]
        expected_interest = split_receipt(interest, shares)[ids.index(claim.id)]
    return {"claim_id": claim.id, "loan_id": loan.id, "currency": loan.currency,
            "principal_minor": claim.principal_minor, "annual_rate": loan.annual_rate,
            "term_months": loan.term_months, "grade": loan.grade, "loan_status": loan.status,
            "bucket": loan.bucket, "received_principal_minor": received[0],
            "received_interest_minor": received[1], "received_penalty_minor": received[2],
            "expected_principal_minor": expected_principal,
            "expected_interest_minor": expected_interest,
            "taken_over_by_reserve": claim.transferred_at is not None,
            "next_due": next_due(rows)}


def staff_loan_view(loan: Any) -> dict[str, Any]:
    return {"id": loan.id, "borrower_user_id": loan.borrower_user_id,
            "amount_minor": loan.amount_minor, "currency": loan.currency,
            "term_months": loan.term_months, "grade": loan.grade, "status": loan.status,
            "principal_outstanding_minor": loan.principal_outstanding_minor,
            "bucket": loan.bucket, "days_past_due": loan.days_past_due,
            "disbursed_at": loan.disbursed_at, "write_off_reason": loan.write_off_reason}


async def loan_book(session: AsyncSession, *, page: PageParams, status: str | None,
                    bucket: str | None, overdue_only: bool = False) -> list[dict[str, Any]]:
    """Loans past listing, newest first; filtered by status, by bucket, or to the overdue."""
    query = select(LOAN).where(LOAN.c.status.in_(BOOKED))
    if status is not None:
        query = query.where(LOAN.c.status == status)
    if bucket is not None:
        query = query.where(LOAN.c.bucket == bucket)
    if overdue_only:
        query = query.where(LOAN.c.bucket != BUCKET_CURRENT,
                            LOAN.c.status.in_((LOAN_DISBURSED, LOAN_WRITTEN_OFF)))
    if page.last_id is not None:
        query = query.where(LOAN.c.id < page.last_id)
    loans = (await session.execute(query.order_by(LOAN.c.id.desc()).limit(page.fetch_limit))).all()
    return [staff_loan_view(loan) for loan in loans]


def _ratio(part: int, whole: int) -> str | None:
    if whole <= 0:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


async def _outstanding_by_bucket(session: AsyncSession) -> dict[str, tuple[int, int]]:
    rows = await session.execute(
        select(LOAN.c.bucket, func.count(), func.coalesce(func.sum(
            LOAN.c.principal_outstanding_minor), 0))
        .where(LOAN.c.status == LOAN_DISBURSED).group_by(LOAN.c.bucket))
    return {row[0]: (int(row[1]), int(row[2])) for row in rows.all()}


async def reserve_summary(session: AsyncSession, *, now: Any) -> dict[str, Any]:
    """The reserve's balance, and its coverage of the outstanding and the overdue principal."""
    account = await ledger_service.platform_account(session, kind="risk_reserve", now=now)
    balance = (await ledger_service.balance(session, account_id=account)).balance.amount_minor
    by_bucket = await _outstanding_by_bucket(session)
    outstanding = sum(amount for _count, amount in by_bucket.values())
    overdue = sum(by_bucket.get(b, (0, 0))[1] for b in BUCKETS)
    return {"balance_minor": balance, "outstanding_principal_minor": outstanding,
            "overdue_principal_minor": overdue,
            "coverage_of_outstanding": _ratio(balance, outstanding),
            "coverage_of_overdue": _ratio(balance, overdue)}


async def disclosure(session: AsyncSession, *, now: Any) -> dict[str, Any]:
    """The public risk disclosure: amounts lent and repaid, overdue rates by bucket (share of
    the outstanding principal), the reserve and what it has paid."""
    lent = (await session.execute(select(func.count(), func.coalesce(
        func.sum(LOAN.c.amount_minor), 0)).where(LOAN.c.status.in_(BOOKED)))).one()
    r = RECEIPT.c
    repaid = (await session.execute(select(
        func.coalesce(func.sum(r.principal_minor), 0), func.coalesce(func.sum(r.interest_minor), 0))
        .where(r.kind != RECEIPT_COMPENSATION))).one()
    compensated = (await session.execute(select(func.count(), func.coalesce(
        func.sum(r.amount_minor), 0)).where(r.kind == RECEIPT_COMPENSATION))).one()
    by_bucket = await _outstanding_by_bucket(session)
    outstanding = sum(amount for _count, amount in by_bucket.values())
    reserve = await reserve_summary(session, now=now)
    return {
        "loans": int(lent[0]), "lent_minor": int(lent[1]),
        "repaid_principal_minor": int(repaid[0]), "repaid_interest_minor": int(repaid[1]),
        "outstanding_principal_minor": outstanding,
        "overdue": [{"bucket": b, "loans": by_bucket.get(b, (0, 0))[0],
                     "principal_minor": by_bucket.get(b, (0, 0))[1],
                     "rate": _ratio(by_bucket.get(b, (0, 0))[1], outstanding)} for b in BUCKETS],
        "reserve_balance_minor": reserve["balance_minor"],
        "reserve_coverage_of_overdue": reserve["coverage_of_overdue"],
        "compensations": int(compensated[0]), "compensated_minor": int(compensated[1]),
        "written_off": int(await session.scalar(select(func.count()).where(
            LOAN.c.status == LOAN_WRITTEN_OFF)) or 0),
        "listed": int(await session.scalar(select(func.count()).where(
            LOAN.c.status == LOAN_LISTED)) or 0),
    }
