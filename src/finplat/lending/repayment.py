"""The borrower's own payments: what is due now, and early repayment of the whole loan.

- **Manual repayment** (``repay``): by default what is due now (every installment due by
  today's business date: penalty, interest, principal, fee); a smaller amount is applied by the
  waterfall (``distribution.waterfall``); more than is due is refused
  (``lending.repayment_exceeds_due``): paying ahead is an early payoff.
- **Early payoff** (``payoff_quote``, ``pay_off``): principal outstanding + interest to date +
  the prepayment fee. Interest to date is what the installments due so far still owe, plus the
  current period's interest in proportion to its days elapsed (days since the previous due date,
  or the start, over the period's days; rounded half-up), which is never more than the
  period's scheduled interest. Later periods' interest and every future per-installment fee are
  not charged. The prepayment fee is the loan's ``prepayment_fee_rate_bps`` (copied from its
  product at approval) of the principal outstanding, rounded down, held within the APR cap
  (``prepayment_fee``). Penalty and fees already owed on past installments are part of it. The
  installments' scheduled interest and fee become what was charged, the prepayment fee goes to
  fee revenue in the receipt's one ledger entry, and the loan is paid off
  (``lending.loan_prepaid`` with the income declared in the application, for risk monitoring).

Both run through ``core.idempotency`` (Idempotency-Key) and ``booking.book``, holding the loan's
row lock, so a repayment racing the daily collection of the same installment never collects it
twice: whichever comes second sees what the first paid.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import idempotency
from finplat.core.clock import business_date as business_date_of
from finplat.core.db import Database
from finplat.core.errors import Conflict, InvalidInput, NotFound
from finplat.core.money import to_minor
from finplat.events import service as events_service
from finplat.ledger import service as ledger_service
from finplat.lending import booking, distribution, schedule
from finplat.lending.distribution import Part
from finplat.lending.events import LoanPrepaid
from finplat.lending.models import (
    LOAN_DISBURSED,
    LOAN_WRITTEN_OFF,
    RECEIPT_MANUAL,
    RECEIPT_PREPAYMENT,
    Application,
    Receipt,
)
from finplat.lending.policy import get_policy

REPAYING_STATES = (LOAN_DISBURSED, LOAN_WRITTEN_OFF)
BPS = Decimal(10_000)


class LoanNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("lending.loan_not_found", "no such loan")


async def locked_loan_of(session: AsyncSession, *, loan_id: int, borrower_user_id: int) -> Any:
    """The borrower's loan, locked; 404 for another user's loan, 409 when not being repaid."""
    loans = await booking.lock_loans(session, [loan_id])
    if not loans or loans[0].borrower_user_id != borrower_user_id:
        raise LoanNotFound()
    if loans[0].status not in REPAYING_STATES:
        raise Conflict("lending.loan_not_repaying", "this loan is not being repaid",
                       extra={"status": loans[0].status})
    return loans[0]


@dataclass(frozen=True, slots=True)
class Quote:
    parts: list[Part]
    rewrite: dict[int, tuple[int, int]]
    principal_minor: int
    interest_minor: int
    fee_minor: int
    penalty_minor: int
    prepayment_fee_minor: int

    @property
    def total_minor(self) -> int:
        return (self.principal_minor + self.interest_minor + self.fee_minor
                + self.penalty_minor + self.prepayment_fee_minor)


def payoff_quote(loan: Any, installments: list[Any], *, business_date: date) -> Quote:
    """What paying ``loan`` off on ``business_date`` costs (``installments``: every open one)."""
    parts: list[Part] = []
    rewrite: dict[int, tuple[int, int]] = {}
    current_seen = False
    for row in sorted(installments, key=lambda r: r.number):
        due = distribution.owed(row)
        if row.due_date <= business_date:
            parts.append(Part(row.id, row.number, due.penalty_minor, due.interest_minor,
                              due.principal_minor, due.fee_minor))
            continue
        interest = 0
        if not current_seen:
            current_seen = True
            start = schedule.due_date(loan.start_date, row.number - 1) if row.number > 1 \
                else loan.start_date
            interest = interest_to_date(row.interest_minor, period_start=start,
                                        period_end=row.due_date, on=business_date)
            interest = max(0, min(interest - row.paid_interest_minor, due.interest_minor))
        parts.append(Part(row.id, row.number, due.penalty_minor, interest, due.principal_minor,
                          0))
        rewrite[row.id] = (row.paid_interest_minor + interest, row.paid_fee_minor)
    sums = distribution.totals(parts)
    fee = prepayment_fee(loan, principal_outstanding_minor=sums.principal_minor,
                         business_date=business_date)
    return Quote(parts=parts, rewrite=rewrite, principal_minor=sums.principal_minor,
                 interest_minor=sums.interest_minor, fee_minor=sums.fee_minor,
                 penalty_minor=sums.penalty_minor, prepayment_fee_minor=fee)


def prepayment_fee(loan: Any, *, principal_outstanding_minor: int, business_date: date,
                   apr_cap_multiple: int | None = None) -> int:
    """The fee for paying ``loan`` off on ``business_date``: its ``prepayment_fee_rate_bps`` of
    the principal outstanding, rounded down, and never more than the room the APR cap leaves:
    outstanding × (cap − the loan's all-in APR) × days since the start / 365, rounded down
    (cap = multiple × the LPR stored on the loan). The fee is contingent (the scheduled flows
    the APR was checked on carry none), so it is bounded where it is charged: spread over the
    time the loan ran, it adds at most the cap's headroom to the annual cost of a principal at
    least the one outstanding (docs/LENDING.md "Early payoff")."""
    rate_bps = int(getattr(loan, "prepayment_fee_rate_bps", 0) or 0)
    if rate_bps <= 0 or principal_outstanding_minor <= 0:
        return 0
    fee = to_minor(Decimal(principal_outstanding_minor) * rate_bps / BPS, rounding="down")
    multiple = get_policy().apr_cap_multiple if apr_cap_multiple is None else apr_cap_multiple
    headroom_rate = multiple * Decimal(loan.lpr_one_year) - Decimal(loan.apr)
    days = (business_date - loan.start_date).days if loan.start_date is not None else 0
    if headroom_rate <= 0 or days <= 0:
        return 0
    room = to_minor(Decimal(principal_outstanding_minor) * headroom_rate * days / 365,
                    rounding="down")
    return max(0, min(fee, room))


def interest_to_date(interest_minor: int, *, period_start: date, period_end: date,
                     on: date) -> int:
    """The period's interest in proportion to its days elapsed by ``on``, half-up."""
    days = (period_end - period_start).days
    elapsed = min(max((on - period_start).days, 0), days)
    if days <= 0:
        return interest_minor
    return (2 * interest_minor * elapsed + days) // (2 * days)


def quote_view(loan: Any, quote: Quote, *, business_date: date) -> dict[str, Any]:
    return {"loan_id": loan.id, "business_date": business_date.isoformat(),
            "currency": loan.currency, "principal_minor": quote.principal_minor,
            "interest_minor": quote.interest_minor, "fee_minor": quote.fee_minor,
            "penalty_minor": quote.penalty_minor,
            "prepayment_fee_minor": quote.prepayment_fee_minor,
            "prepayment_fee_rate_bps": loan.prepayment_fee_rate_bps,
            "total_minor": quote.total_minor}


def receipt_view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "loan_id": row.loan_id, "kind": row.kind,
            "amount_minor": row.amount_minor, "currency": row.currency,
            "principal_minor": row.principal_minor, "interest_minor": row.interest_minor,
            "fee_minor": row.fee_minor, "penalty_minor": row.penalty_minor,
            "allocation": row.allocation, "business_date": row.business_date.isoformat(),
            "created_at": row.created_at.isoformat()}


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:40]


async def _receipt(session: AsyncSession, receipt_id: int) -> dict[str, Any]:
    row = await session.get(Receipt, receipt_id)
    assert row is not None
    return receipt_view(row)


async def _book_one(session: AsyncSession, loan: Any, *, kind: str, source: str,
                    parts: list[Part], installments: list[Any], business_date: date,
                    now: datetime, rewrite: dict[int, tuple[int, int]] | None = None,
                    prepayment_fee_minor: int = 0) -> int:
    wallet = await ledger_service.wallet_of(session, loan.borrower_user_id)
    if wallet is None:
        raise Conflict("lending.wallet_missing", "the borrower has no fund account")
    draft = booking.Draft(loan=loan, kind=kind, source=source, parts=parts,
                          installments={row.id: row for row in installments},
                          payer_account_id=wallet, rewrite=rewrite or {},
                          prepayment_fee_minor=prepayment_fee_minor)
    return (await booking.book(session, [draft], business_date=business_date, now=now))[0]


async def repay(db: Database, *, user_id: int, loan_id: int, amount_minor: int | None,
                idempotency_key: str, now: datetime) -> idempotency.Outcome:
    """Pay what is due now on the borrower's loan (or ``amount_minor`` of it): 201 with the
    receipt. Raises ``LoanNotFound``, ``Conflict`` (``lending.loan_not_repaying``,
    ``lending.nothing_due``, ``ledger.insufficient_funds``), ``InvalidInput``
    (``lending.repayment_exceeds_due``)."""
    day = business_date_of(now)

    async def work(session: AsyncSession) -> idempotency.Outcome:
        loan = await locked_loan_of(session, loan_id=loan_id, borrower_user_id=user_id)
        installments = (await booking.open_installments(session, [loan.id], due_by=day))[loan.id]
        due = sum(distribution.owed(row).total_minor for row in installments)
        if due == 0:
            raise Conflict("lending.nothing_due", "nothing is due on this loan now; an early "
                           "payoff repays it ahead of its schedule")
        amount = due if amount_minor is None else amount_minor
        if amount > due:
            raise InvalidInput("lending.repayment_exceeds_due",
                               "more than is due now; an early payoff repays the whole loan",
                               errors=[{"field": "amount_minor",
                                        "message": f"at most {due} is due now"}],
                               extra={"due_minor": due})
        parts, _left = distribution.waterfall(amount, installments)
        receipt_id = await _book_one(
            session, loan, kind=RECEIPT_MANUAL, parts=parts, installments=installments,
            source=f"manual:{loan.id}:{_key_digest(idempotency_key)}", business_date=day,
            now=now)
        return idempotency.Outcome(201, await _receipt(session, receipt_id))

    return await idempotency.execute(
        db, scope=f"lending.repayment:{user_id}", key=idempotency_key,
        payload={"loan_id": loan_id, "amount_minor": amount_minor}, work=work, now=now)


async def quote(db: Database, *, user_id: int, loan_id: int, now: datetime) -> dict[str, Any]:
    """The early payoff amount today (a read: the loan is not locked)."""
    day = business_date_of(now)

    async def read(session: AsyncSession) -> dict[str, Any]:
        loans = await booking.loan_rows(session, [loan_id])
        if not loans or loans[0].borrower_user_id != user_id:
            raise LoanNotFound()
        loan = loans[0]
        if loan.status not in REPAYING_STATES:
            raise Conflict("lending.loan_not_repaying", "this loan is not being repaid",
                           extra={"status": loan.status})
        rows = (await booking.open_installments(session, [loan.id], due_by=None))[loan.id]
        return quote_view(loan, payoff_quote(loan, rows, business_date=day), business_date=day)

    return await db.run(read, readonly=True)


async def pay_off(db: Database, *, user_id: int, loan_id: int, expected_total_minor: int | None,
                  idempotency_key: str, now: datetime) -> idempotency.Outcome:
    """Repay the whole loan today at the payoff amount: 201 with the receipt. With
    ``expected_total_minor`` (the quote the borrower saw) a different amount is refused
    (``lending.quote_changed``). Raises as ``repay``."""
    day = business_date_of(now)

    async def work(session: AsyncSession) -> idempotency.Outcome:
        loan = await locked_loan_of(session, loan_id=loan_id, borrower_user_id=user_id)
        rows = (await booking.open_installments(session, [loan.id], due_by=None))[loan.id]
        found = payoff_quote(loan, rows, business_date=day)
        if expected_total_minor is not None and expected_total_minor != found.total_minor:
            raise Conflict("lending.quote_changed", "the payoff amount has changed",
                           extra={"total_minor": found.total_minor})
        if found.total_minor == 0:
            raise Conflict("lending.nothing_due", "nothing is owed on this loan")
        receipt_id = await _book_one(
            session, loan, kind=RECEIPT_PREPAYMENT, parts=found.parts, installments=rows,
            source=f"prepayment:{loan.id}", business_date=day, now=now, rewrite=found.rewrite,
            prepayment_fee_minor=found.prepayment_fee_minor)
        await _record_prepaid(session, loan, found, receipt_id=receipt_id, now=now)
        return idempotency.Outcome(201, await _receipt(session, receipt_id))

    return await idempotency.execute(
        db, scope=f"lending.payoff:{user_id}", key=idempotency_key,
        payload={"loan_id": loan_id, "expected_total_minor": expected_total_minor}, work=work,
        now=now)


async def declared_monthly_income(session: AsyncSession, application_id: int) -> int | None:
    """The monthly income (a company: revenue) declared in the loan's application."""
    declared = await session.scalar(
        select(Application.declared).where(Application.id == application_id))
    try:
        value = json.loads(declared or "{}").get("monthly_income_minor")
    except (ValueError, AttributeError):
        return None
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


async def _record_prepaid(session: AsyncSession, loan: Any, found: Quote, *, receipt_id: int,
                          now: datetime) -> None:
    """``lending.loan_prepaid`` with its audit record (``events_service.record``)."""
    event = LoanPrepaid(
        loan_id=loan.id, receipt_id=receipt_id, user_id=loan.borrower_user_id,
        amount_minor=found.total_minor, principal_minor=found.principal_minor,
        prepayment_fee_minor=found.prepayment_fee_minor, currency=loan.currency,
        declared_monthly_income_minor=await declared_monthly_income(session,
                                                                    loan.application_id))
    await events_service.record(session, event, target_type="loan", target_id=loan.id, now=now,
                                actor_id=loan.borrower_user_id,
                                summary={k: v for k, v in event.payload().items()
                                         if k != "declared_monthly_income_minor"})
