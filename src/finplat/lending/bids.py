"""Bids on a listing: suitability, amount rules, one guarded UPDATE of the listing's funded
amount (never oversubscribed), a hold on the investor's wallet; the bid that fills the listing
disburses it in the same transaction (docs/LENDING.md "Bids")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import idempotency
from finplat.core.db import Database
from finplat.core.errors import Conflict, Forbidden, NotFound, field_error
from finplat.core.money import Money
from finplat.core.statements import update_returning
from finplat.events import service as events_service
from finplat.investment import service as investment_service
from finplat.ledger import service as ledger_service
from finplat.lending import disbursement
from finplat.lending import events as lending_events
from finplat.lending.models import BID_HELD, LOAN_LISTED, Bid, Loan
from finplat.lending.policy import LendingPolicy, get_policy

BID_SOURCE = "lending_bid"
BID_CODE = "loan_bid"


class LoanNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("lending.loan_not_found", "no such loan")


def bid_json(bid: Bid) -> dict[str, Any]:
    return {
        "id": bid.id,
        "loan_id": bid.loan_id,
        "amount_minor": bid.amount_minor,
        "currency": bid.currency,
        "status": bid.status,
        "investor_risk_level": bid.investor_risk_level,
        "risk_mismatch_acknowledged": bid.risk_mismatch_acknowledged,
        "created_at": bid.created_at.isoformat(),
    }


def check_amount(*, amount_minor: int, remaining_minor: int, policy: LendingPolicy) -> None:
    """At least the minimum bid in steps above it, or exactly what remains (the last bid may
    be smaller than the minimum); never more than remains (409 ``lending.oversubscribed``)."""
    if amount_minor > remaining_minor:
        raise Conflict("lending.oversubscribed",
                       f"only {remaining_minor} fen remain to be funded",
                       extra={"remaining_minor": remaining_minor})
    if amount_minor == remaining_minor:
        return
    if amount_minor < policy.min_bid_minor:
        raise field_error("amount_minor", f"must be at least {policy.min_bid_minor} fen",
                          code="lending.bid_below_minimum")
    if (amount_minor - policy.min_bid_minor) % policy.bid_step_minor:
        raise field_error("amount_minor",
                          f"must be the minimum plus a multiple of {policy.bid_step_minor} fen",
                          code="lending.bid_step")


def _require_open(loan: Loan, now: datetime) -> None:
    if loan.status != LOAN_LISTED or now >= loan.funding_ends_at:
        raise Conflict("lending.listing_closed", "the listing takes no more bids",
                       extra={"status": loan.status,
                              "funding_ends_at": loan.funding_ends_at.isoformat()})


async def _take_share(session: AsyncSession, *, loan_id: int, amount_minor: int,
                      now: datetime) -> tuple[int, int]:
    """Add the bid to the listing in one guarded UPDATE (the row lock serialises bids): refused
    when it would go beyond the amount or the listing closed meanwhile. Returns (funded,
    amount) after it."""
    statement = (
        update(Loan)
        .where(Loan.id == loan_id, Loan.status == LOAN_LISTED, Loan.funding_ends_at > now,
               Loan.funded_minor + amount_minor <= Loan.amount_minor)
        .values(funded_minor=Loan.funded_minor + amount_minor, bid_count=Loan.bid_count + 1,
                updated_at=now)
        .execution_options(synchronize_session=False)
    )
    row = await update_returning(session, statement, [Loan.funded_minor, Loan.amount_minor],
                                 row=Loan.id == loan_id)
    if row is None:
        loan = await session.scalar(select(Loan).where(Loan.id == loan_id)
                                    .execution_options(populate_existing=True))
        assert loan is not None
        _require_open(loan, now)
        raise Conflict("lending.oversubscribed",
                       f"only {loan.amount_minor - loan.funded_minor} fen remain to be funded",
                       extra={"remaining_minor": loan.amount_minor - loan.funded_minor})
    return int(row.funded_minor), int(row.amount_minor)


async def place_bid(
    db: Database, *, user_id: int, loan_id: int, amount_minor: int,
    acknowledge_risk_mismatch: bool, idempotency_key: str, now: datetime,
    policy: LendingPolicy | None = None,
) -> idempotency.Outcome:
    """Bid on a listing; 201 with the bid (and ``disbursed`` when it filled the listing and was
    paid out, ``disbursement_held`` when a blocking risk rule held the payout for review),
    replayed for the same Idempotency-Key.

    Raises ``LoanNotFound``, ``Forbidden`` (``lending.own_loan``,
    ``investment.assessment_required``, ``investment.suitability_mismatch``,
    ``lending.wallet_required``), ``Conflict`` (``lending.listing_closed``,
    ``lending.oversubscribed``, ``ledger.insufficient_funds``), ``InvalidInput`` (minimum,
    step)."""
    policy = policy or get_policy()
    payload = {"loan_id": loan_id, "amount_minor": amount_minor,
               "acknowledge_risk_mismatch": acknowledge_risk_mismatch}

    async def work(session: AsyncSession) -> idempotency.Outcome:
        loan = await session.get(Loan, loan_id)
        if loan is None:
            raise LoanNotFound()
        if loan.borrower_user_id == user_id:
            raise Forbidden("lending.own_loan", "a borrower cannot bid on their own loan")
        _require_open(loan, now)
        check_amount(amount_minor=amount_minor,
                     remaining_minor=loan.amount_minor - loan.funded_minor, policy=policy)
        assessment = await investment_service.current_assessment(session, user_id=user_id,
                                                                 now=now)
        level = None if assessment is None else assessment.risk_level
        mismatch = investment_service.check_suitability(
            investor_level=level, product_risk_level=loan.risk_level,
            acknowledged=acknowledge_risk_mismatch)
        funded, amount = await _take_share(session, loan_id=loan_id, amount_minor=amount_minor,
                                           now=now)
        bid = await _hold(session, loan=loan, user_id=user_id, amount_minor=amount_minor,
                          level=level or "", mismatch=mismatch, now=now)
        await events_service.record(
            session,
            lending_events.BidPlaced(bid_id=bid.id, loan_id=loan_id, user_id=user_id,
                                     amount_minor=amount_minor, currency=bid.currency,
                                     funded_minor=funded),
            target_type="loan_bid", target_id=bid.id, now=now, actor_id=user_id)
        body = {**bid_json(bid), "loan_funded_minor": funded,
                "loan_remaining_minor": amount - funded, "disbursed": False}
        if funded == amount:
            paid = await disbursement.disburse(session, loan_id=loan_id, now=now)
            # A blocking risk rule may hold the payout for review: the bid stands, held.
            body["disbursed"] = not paid["held"]
            body["disbursement_held"] = paid["held"]
        return idempotency.Outcome(201, body)

    return await idempotency.execute(db, scope=f"lending.bid:{user_id}", key=idempotency_key,
                                     payload=payload, work=work, now=now)


async def _hold(session: AsyncSession, *, loan: Loan, user_id: int, amount_minor: int,
                level: str, mismatch: bool, now: datetime) -> Bid:
    wallet = await ledger_service.wallet_of(session, user_id)
    if wallet is None:
        raise Forbidden("lending.wallet_required", "verify your identity to open a wallet")
    bid = Bid(loan_id=loan.id, user_id=user_id, amount_minor=amount_minor,
              currency=loan.currency, hold_id=0, status=BID_HELD, investor_risk_level=level,
              risk_mismatch_acknowledged=mismatch, created_at=now)
    session.add(bid)
    await session.flush()
    bid.hold_id = await ledger_service.hold(
        session, source_type=BID_SOURCE, source_id=str(bid.id), code=BID_CODE,
        debit_account_id=wallet,
        credit_account_id=await disbursement.pool_account(session, loan_id=loan.id, now=now),
        amount=Money(amount_minor, loan.currency), now=now,
        reference=disbursement.pool_reference(loan.id), metadata={"bid_id": bid.id})
    await session.flush()
    return bid


async def mine(db: Database, *, user_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The investor's bids, newest first."""

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        rows = await session.scalars(select(Bid).where(Bid.user_id == user_id)
                                     .order_by(Bid.id.desc()).limit(limit))
        return [bid_json(bid) for bid in rows]

    return await db.run(work, readonly=True)
