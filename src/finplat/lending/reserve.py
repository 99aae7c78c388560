"""The risk reserve: compensating investors of a long-overdue loan, and writing loans off.

**Compensation** (``compensate``): once a disbursed loan is ``compensation_days`` past due
(setting, default 30), the reserve pays its investors the loan's whole outstanding principal
plus the unpaid interest of the installments due so far, split pro rata to their claims like
any receipt, in one ledger entry (reserve → every investor's wallet). It pays only when it holds
the whole amount (the reserve account refuses to go below zero; short, the loan waits, an alert
``lending.compensation_underfunded`` is raised, and every later daily run tries again). The
investors' claims are then marked taken over and a claim of the reserve replaces them: every
later payment by the borrower (collection, repayment, payoff) is a recovery paid to the reserve.
The installments due so far become ``compensated`` (the borrower still owes them, penalty
included, now to the reserve).

**Write-off** (``write_off``): staff write off a disbursed loan at M3+ with a reason (audited
with the actor); its owing installments become ``written_off``, what is still owed stays on
them, and the borrower's later repayments are still accepted and paid to the claim holders.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict, field_error
from finplat.core.money import Money
from finplat.events import service as events_service
from finplat.ledger import service as ledger_service
from finplat.lending import booking, distribution, tables
from finplat.lending.distribution import Part, Totals
from finplat.lending.events import CompensationUnderfunded, LoanCompensated, LoanWrittenOff
from finplat.lending.models import (
    BUCKET_M3_PLUS,
    HOLDER_RESERVE,
    INSTALLMENT_COMPENSATED,
    INSTALLMENT_WRITTEN_OFF,
    LOAN_DISBURSED,
    LOAN_WRITTEN_OFF,
    RECEIPT_COMPENSATION,
)
from finplat.lending.repayment import LoanNotFound
from finplat.lending.setwrite import update_rows
from finplat.lending.tables import CLAIM, INSTALLMENT, LOAN, RECEIPT

COMPENSATION_CODE = "loan_compensation"
COMPENSATED, UNDERFUNDED, NOT_DUE = "compensated", "underfunded", "not_due"


def compensation_parts(loan: Any, rows: list[Any], business_date: date) -> list[Part]:
    """What the reserve pays on each owing installment: the unpaid interest of those due so
    far, and every unpaid principal."""
    parts = []
    for row in sorted(rows, key=lambda r: r.number):
        due = distribution.owed(row)
        interest = due.interest_minor if row.due_date <= business_date else 0
        if interest or due.principal_minor:
            parts.append(Part(row.id, row.number, 0, interest, due.principal_minor, 0))
    return parts


async def compensate(db: Database, *, loan_id: int, business_date: date, days: int,
                     now: datetime) -> str:
    """Compensate the investors of ``loan_id`` if it is ``days`` past due and the reserve holds
    the amount: ``compensated``, ``underfunded`` or ``not_due``."""
    async def work(session: AsyncSession) -> str:
        loans = await booking.lock_loans(session, [loan_id])
        if not loans or loans[0].status != LOAN_DISBURSED or loans[0].days_past_due < days:
            return NOT_DUE
        loan = loans[0]
        claims = (await booking.active_claims(session, [loan.id]))[loan.id]
        if not claims or any(c.holder_kind == HOLDER_RESERVE for c in claims):
            return NOT_DUE
        rows = (await booking.open_installments(session, [loan.id], due_by=None))[loan.id]
        parts = compensation_parts(loan, rows, business_date)
        sums = distribution.totals(parts)
        reserve = await ledger_service.platform_account(session, kind="risk_reserve", now=now)
        available = (await ledger_service.lock_available(session, account_ids=[reserve]))[reserve]
        if available < sums.total_minor:
            await events_service.emit(session, CompensationUnderfunded(
                loan_id=loan.id, required_minor=sums.total_minor, available_minor=available,
                business_date=business_date.isoformat()), now=now)
            return UNDERFUNDED
        await _pay_investors(session, loan, claims, rows, parts, sums,
                             reserve=reserve, business_date=business_date, now=now)
        return COMPENSATED

    return await db.run(work)


async def _pay_investors(session: AsyncSession, loan: Any, claims: list[Any], rows: list[Any],
                         parts: list[Part], sums: Totals, *, reserve: int,
                         business_date: date, now: datetime) -> None:
    shares = distribution.split_to_claims(sums, claims)
    accounts = booking.holder_accounts(claims)
    source = f"compensation:{loan.id}"
    entry_id = await ledger_service.transfer_to_many(
        session, source_type=tables.RECEIPT_SOURCE, source_id=source, code=COMPENSATION_CODE,
        debit_account_id=reserve, now=now, reference=f"loan:{loan.id}",
        credits=[(accounts[s.claim_id], Money(s.total_minor, loan.currency))
                 for s in shares if s.total_minor])
    receipt_id = await booking.insert_receipt(session, {
        "loan_id": loan.id, "kind": RECEIPT_COMPENSATION, "amount_minor": sums.total_minor,
        "currency": loan.currency, "principal_minor": sums.principal_minor,
        "interest_minor": sums.interest_minor, "fee_minor": 0, "penalty_minor": 0,
        "allocation": [p.as_json() for p in parts], "business_date": business_date,
        "source": source, "entry_id": entry_id, "created_at": now})
    await update_rows(session, CLAIM, [
        {"id": s.claim_id, "transferred_at": now, "updated_at": now} for s in shares],
        assign=("transferred_at", "updated_at"))
    await session.execute(insert(CLAIM).values(
        loan_id=loan.id, holder_kind=HOLDER_RESERVE, user_id=None, account_id=reserve,
        principal_minor=sum(c.principal_minor for c in claims), transferred_at=None,
        created_at=now, updated_at=now))
    await update_rows(session, INSTALLMENT, [
        {"id": r.id, "status": INSTALLMENT_COMPENSATED, "compensated_at": now,
         "version": r.version + 1, "guard_version": r.version, "updated_at": now}
        for r in rows if r.due_date <= business_date],
        assign=("status", "compensated_at", "version", "updated_at"), guard="version")
    await events_service.record(session, LoanCompensated(
        loan_id=loan.id, receipt_id=receipt_id, amount_minor=sums.total_minor,
        principal_minor=sums.principal_minor, interest_minor=sums.interest_minor,
        investors=len(claims), currency=loan.currency), target_type="lending_loan",
        target_id=loan.id, now=now)


async def write_off(db: Database, *, loan_id: int, reason: str, actor_id: int,
                    now: datetime) -> dict[str, Any]:
    """Write off a disbursed loan in M3+ (audited with ``actor_id`` and ``reason``). Raises
    ``LoanNotFound``, ``InvalidInput`` (reason), ``Conflict`` (``lending.write_off_refused``)."""
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= 500:
        raise field_error("reason", "must be 1 to 500 characters")

    async def work(session: AsyncSession) -> dict[str, Any]:
        loans = await booking.lock_loans(session, [loan_id])
        if not loans:
            raise LoanNotFound()
        loan = loans[0]
        if loan.status != LOAN_DISBURSED or loan.bucket != BUCKET_M3_PLUS:
            raise Conflict("lending.write_off_refused",
                           "only a disbursed loan more than 60 days past due (M3+) can be "
                           "written off", extra={"status": loan.status, "bucket": loan.bucket})
        rows = (await booking.open_installments(session, [loan.id], due_by=None))[loan.id]
        await update_rows(session, INSTALLMENT, [
            {"id": r.id, "status": INSTALLMENT_WRITTEN_OFF, "version": r.version + 1,
             "guard_version": r.version, "updated_at": now} for r in rows],
            assign=("status", "version", "updated_at"), guard="version")
        await update_rows(session, LOAN, [{
            "id": loan.id, "status": LOAN_WRITTEN_OFF, "written_off_by_user_id": actor_id,
            "write_off_reason": reason, "version": loan.version + 1,
            "guard_version": loan.version, "updated_at": now}],
            assign=("status", "written_off_by_user_id", "write_off_reason", "version",
                    "updated_at"), guard="version")
        outstanding = sum(distribution.owed(r).total_minor for r in rows)
        await events_service.record(
            session, LoanWrittenOff(loan_id=loan.id, outstanding_minor=outstanding,
                                    bucket=loan.bucket),
            target_type="lending_loan", target_id=loan.id, now=now, actor_id=actor_id,
            summary={"outstanding_minor": outstanding, "bucket": loan.bucket,
                     "reason": reason})
        return {"loan_id": loan.id, "status": LOAN_WRITTEN_OFF,
                "outstanding_minor": outstanding, "reason": reason}

    return await db.run(work)


async def compensation_due_ids(session: AsyncSession, *, days: int, limit: int,
                               after_id: int = 0) -> list[int]:
    rows = await session.scalars(
        select(LOAN.c.id).where(LOAN.c.status == LOAN_DISBURSED,
                                LOAN.c.days_past_due >= days, LOAN.c.id > after_id)
        .order_by(LOAN.c.id).limit(limit))
    return list(rows)


__all__ = ["COMPENSATED", "NOT_DUE", "RECEIPT", "UNDERFUNDED", "compensate",
           "compensation_due_ids", "write_off"]
