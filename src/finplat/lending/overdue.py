"""The daily overdue run: installment states, penalty interest, buckets, reminders.

For every disbursed loan with an installment due by the business date and still owing, in
chunks of loans (one transaction each, the loans locked first as every servicing writer does):

- each such installment's state follows ``distribution.status_after`` (``scheduled`` → ``due``
  on its due date, ``overdue`` once past the loan's grace days);
- **penalty interest** accrues on an overdue installment's unpaid principal and interest, for
  every day since its due date (grace days included once it is past them: the grace waives the
  penalty only when the borrower pays within it), up to the business date, once per date
  (``penalty_accrued_through``), rounded down to the fen. The daily rate is the loan's
  ``penalty_daily_rate`` but never above ``daily_cap``: the daily compound equivalent of
  4 × the one-year LPR stored on the loan, (1 + 4·LPR/12)^(12/365) − 1. A late payment then
  carries at most what the cap allows on the money paid late, so the loan's all-in cost stays
  within the cap (docs/LENDING.md "Overdue");
- the loan's **days past due** (from the oldest owing installment's due date) and **bucket**
  (``current`` within the grace days, then M1 1–30, M2 31–60, M3+ beyond), each move kept in
  ``lending_bucket_move`` with a ``lending.bucket_moved`` event;
- a ``lending.installment_overdue`` event (a message to the borrower) the day an installment
  becomes overdue, and ``lending.installment_due_soon`` for those due in ``reminder_days``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, localcontext
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.events import service as events_service
from finplat.lending import booking, distribution
from finplat.lending.events import InstallmentDueSoon, InstallmentOverdue, LoanBucketMoved
from finplat.lending.models import (
    INSTALLMENT_COMPENSATED,
    INSTALLMENT_OVERDUE,
    INSTALLMENT_SCHEDULED,
    INSTALLMENT_WRITTEN_OFF,
    LOAN_DISBURSED,
)
from finplat.lending.setwrite import update_rows
from finplat.lending.tables import INSTALLMENT, LOAN

Progress = Callable[[int, AsyncSession], Awaitable[None]]
_TRACKED = tuple(s for s in distribution.OPEN_STATES if s != INSTALLMENT_WRITTEN_OFF)
CAP_MULTIPLE = 4


def daily_cap(lpr_one_year: str) -> Decimal:
    """The highest daily penalty rate: (1 + 4·LPR/12)^(12/365) − 1, rounded down."""
    with localcontext() as context:
        context.prec = 34
        monthly = Decimal(1) + CAP_MULTIPLE * Decimal(lpr_one_year) / 12
        daily = monthly ** (Decimal(12) / Decimal(365)) - 1
    return daily.quantize(Decimal("1e-12"), rounding=ROUND_DOWN)


def penalty_rate(loan: Any) -> Decimal:
    return min(Decimal(loan.penalty_daily_rate), daily_cap(loan.lpr_one_year))


def penalty_increment(row: Any, *, rate: Decimal, business_date: date) -> int:
    """Penalty owed on ``row`` for the days since it last accrued (or its due date)."""
    since = row.penalty_accrued_through or row.due_date
    days = (business_date - max(since, row.due_date)).days
    due = distribution.owed(row)
    base = due.principal_minor + due.interest_minor
    if days <= 0 or base <= 0:
        return 0
    return int((Decimal(base) * rate * days).to_integral_value(rounding=ROUND_DOWN))


def days_past_due(rows: list[Any], business_date: date) -> int:
    owing = [r.due_date for r in rows if distribution.owed(r).total_minor > 0
             and r.due_date < business_date]
    return (business_date - min(owing)).days if owing else 0


async def overdue_day(db: Database, *, business_date: date, now: datetime, after_id: int = 0,
                      chunk_loans: int = 200, progress: Progress | None = None) -> None:
    while True:
        last = await db.run(partial(_chunk, business_date=business_date, now=now,
                                    after_id=after_id, size=chunk_loans, progress=progress))
        if last is None:
            return
        after_id = last


async def _chunk(session: AsyncSession, *, business_date: date, now: datetime, after_id: int,
                 size: int, progress: Progress | None) -> int | None:
    i = INSTALLMENT.c
    loan_ids = list(await session.scalars(
        select(i.loan_id).where(i.due_date <= business_date, i.status.in_(_TRACKED),
                                i.loan_id > after_id)
        .group_by(i.loan_id).order_by(i.loan_id).limit(size)))
    if not loan_ids:
        return None
    loans = [row for row in await booking.lock_loans(session, loan_ids)
             if row.status == LOAN_DISBURSED]
    installments = await booking.open_installments(session, [x.id for x in loans],
                                                   due_by=business_date)
    rows: list[dict[str, Any]] = []
    loan_rows: list[dict[str, Any]] = []
    overdue_events: list[tuple[Any, int]] = []
    moves: list[tuple[Any, str, int]] = []
    for loan in loans:
        mine = installments[loan.id]
        rows += _installment_changes(loan, mine, business_date, now, overdue_events)
        days = days_past_due(mine, business_date)
        bucket = distribution.bucket_of(days) if days > loan.grace_days else "current"
        if bucket != loan.bucket:
            moves.append((loan, bucket, days))
        if bucket != loan.bucket or days != loan.days_past_due:
            loan_rows.append({"id": loan.id, "bucket": bucket, "days_past_due": days,
                              "version": loan.version + 1, "guard_version": loan.version,
                              "updated_at": now})
    await update_rows(session, INSTALLMENT, rows, guard="version", assign=(
        "status", "penalty_minor", "penalty_accrued_through", "version", "updated_at"))
    await update_rows(session, LOAN, loan_rows, guard="version",
                      assign=("bucket", "days_past_due", "version", "updated_at"))
    if moves:
        await booking.record_moves(session, moves, business_date=business_date, now=now)
        await events_service.record_many(session, [
            (LoanBucketMoved(loan_id=loan.id, from_bucket=loan.bucket, to_bucket=to,
                             days_past_due=days, business_date=business_date.isoformat()),
             loan.id) for loan, to, days in moves], target_type="lending_loan", now=now)
    await events_service.record_many(session, overdue_events, target_type="lending_installment",
                                     now=now)
    if progress is not None:
        await progress(loan_ids[-1], session)
    return loan_ids[-1]


def _installment_changes(loan: Any, rows: list[Any], business_date: date, now: datetime,
                         events: list[tuple[Any, int]]) -> list[dict[str, Any]]:
    changes = []
    rate = penalty_rate(loan)
    for row in rows:
        status = distribution.status_after(row, None, business_date=business_date,
                                           grace_days=loan.grace_days)
        late = (business_date - row.due_date).days > loan.grace_days
        penalty = row.penalty_minor
        through = row.penalty_accrued_through
        if late and status in (INSTALLMENT_OVERDUE, INSTALLMENT_COMPENSATED):
            penalty += penalty_increment(row, rate=rate, business_date=business_date)
            through = business_date
        if status == row.status and penalty == row.penalty_minor \
                and through == row.penalty_accrued_through:
            continue
        if status == INSTALLMENT_OVERDUE and row.status != INSTALLMENT_OVERDUE:
            events.append((InstallmentOverdue(
                loan_id=loan.id, installment_id=row.id, borrower_user_id=loan.borrower_user_id,
                number=row.number, due_date=row.due_date.isoformat(),
                owed_minor=distribution.owed(row).total_minor + penalty - row.penalty_minor,
                days_past_due=(business_date - row.due_date).days, currency=loan.currency),
                row.id))
        changes.append({"id": row.id, "status": status, "penalty_minor": penalty,
                        "penalty_accrued_through": through, "version": row.version + 1,
                        "guard_version": row.version, "updated_at": now})
    return changes


async def remind(db: Database, *, business_date: date, days: int, now: datetime) -> int:
    """``lending.installment_due_soon`` for every installment due in ``days`` days; returns
    how many. Once per business date (the daily job); the inbox keeps one message per
    installment even if it runs twice."""
    due = business_date + timedelta(days=days)

    async def work(session: AsyncSession) -> int:
        i, loan = INSTALLMENT.c, LOAN.c
        rows = (await session.execute(
            select(i.id, i.loan_id, i.number, i.due_date, i.principal_minor, i.interest_minor,
                   i.fee_minor, loan.borrower_user_id, loan.currency)
            .join(LOAN, loan.id == i.loan_id)
            .where(i.due_date == due, i.status == INSTALLMENT_SCHEDULED,
                   loan.status == LOAN_DISBURSED).order_by(i.id))).all()
        await events_service.record_many(session, [
            (InstallmentDueSoon(loan_id=r.loan_id, installment_id=r.id,
                                borrower_user_id=r.borrower_user_id, number=r.number,
                                due_date=r.due_date.isoformat(),
                                amount_minor=r.principal_minor + r.interest_minor + r.fee_minor,
                                currency=r.currency), r.id) for r in rows],
            target_type="lending_installment", now=now)
        return len(rows)

    return await db.run(work)
