"""Disbursement: a fully funded listing becomes a loan, in the transaction of the bid that
filled it (docs/LENDING.md "Disbursement"), so it happens exactly once and never half:

1. every bid's hold is posted (wallet -> the loan's ``loans_held`` account), a chunk of holds
   per statement set (``ledger.bulk.post_holds``);
2. one entry pays the loan out of ``loans_held``: the borrower's wallet the principal less the
   upfront fee and the reserve contribution, ``fee_revenue`` the fee, ``risk_reserve`` the
   contribution (the borrower pays both, out of the disbursement);
3. the bids become claims (one per investor, their bids added up), the schedule becomes the
   installments (start date: the business date of the disbursement), the agreement is rendered
   and hashed, the loan is ``disbursed``; typed events for the borrower and each investor.

The ledger entry's source (``lending_disbursement``/loan id) is unique: a second attempt could
not book it again even if the state guard were bypassed.

Before any of it, the risk control's blocking rules are asked (``risk.service.check_blocking``,
kind ``loan_disbursement``, for the borrower, the principal and whether a company borrows), as a
withdrawal asks them. A hit pays nothing out: the loan becomes ``held_for_review``, every bid's
hold stays in place, and a risk review (kind ``disbursement``, ``risk.reviews``) waits for an
officer, who either releases it (``release_held``: the disbursement above, once) or refuses it
(``refuse_held``: the loan ``refused``, every hold voided, once).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import business_date
from finplat.core.errors import Conflict
from finplat.core.masking import mask_name
from finplat.core.money import Money
from finplat.events import service as events_service
from finplat.identity import queries as identity_queries
from finplat.ledger import service as ledger_service
from finplat.lending import agreement
from finplat.lending import events as lending_events
from finplat.lending import schedule as schedule_rules
from finplat.lending.models import (
    BID_FUNDED,
    BID_HELD,
    BID_VOIDED,
    HOLDER_INVESTOR,
    INSTALLMENT_SCHEDULED,
    LOAN_DISBURSED,
    LOAN_DISBURSEMENT_HELD,
    LOAN_LISTED,
    LOAN_REFUSED,
    Bid,
    Claim,
    Installment,
    Loan,
)
from finplat.risk import service as risk_service

DISBURSEMENT_SOURCE = "lending_disbursement"
# What the risk control is asked about (``check_blocking``) and the kind of its review.
RISK_CHECK_KIND = "loan_disbursement"
REVIEW_KIND = "disbursement"
DISBURSE_CODE = "loan_disbursement"
HOLD_CHUNK = 1_000  # holds posted per set of statements (ledger.bulk.MAX_ENTRIES is 2,000)


def pool_reference(loan_id: int) -> str:
    """The loan's own ledger account (``loans_held``): bids are held towards it, the
    disbursement and (servicing) the repayments pass through it."""
    return f"loan:{loan_id}"


async def pool_account(session: AsyncSession, *, loan_id: int, now: datetime) -> int:
    return await ledger_service.account_for(session, kind="loans_held",
                                            reference=pool_reference(loan_id), now=now)


async def _locked(session: AsyncSession, loan_id: int) -> Loan:
    loan = await session.scalar(select(Loan).where(Loan.id == loan_id).with_for_update()
                                .execution_options(populate_existing=True))
    if loan is None:
        raise Conflict("lending.disbursement_not_held", "no such loan")
    return loan


async def disburse(session: AsyncSession, *, loan_id: int, now: datetime) -> dict[str, Any]:
    """Disburse a fully funded listing (locked by the caller's transaction), unless a blocking
    risk rule holds it for review (``{"held": True, "review_id"}``). Returns the disbursement's
    figures. Raises ``Conflict('lending.not_fully_funded')``."""
    loan = await _locked(session, loan_id)
    if loan.status != LOAN_LISTED or loan.funded_minor != loan.amount_minor:
        raise Conflict("lending.not_fully_funded", "only a fully funded listing is disbursed",
                       extra={"status": loan.status, "funded_minor": loan.funded_minor})
    verdict = await risk_service.check_blocking(
        session, kind=RISK_CHECK_KIND, user_id=loan.borrower_user_id,
        amount_minor=loan.amount_minor, now=now, company=loan.borrower_kind == "company")
    if verdict.blocked:
        return await _hold_for_review(session, loan=loan, verdict=verdict, now=now)
    return await _pay(session, loan=loan, now=now)


async def _hold_for_review(session: AsyncSession, *, loan: Loan, verdict: Any,
                           now: datetime) -> dict[str, Any]:
    """Nothing paid out: the loan waits for a risk officer, every bid's hold kept."""
    loan.status, loan.version, loan.updated_at = LOAN_DISBURSEMENT_HELD, loan.version + 1, now
    review_id = await risk_service.hold_for_review(
        session, kind=REVIEW_KIND, subject_id=loan.id, user_id=loan.borrower_user_id,
        amount_minor=loan.amount_minor, currency=loan.currency, verdict=verdict, now=now)
    await events_service.record(
        session,
        lending_events.DisbursementHeld(loan_id=loan.id, borrower_user_id=loan.borrower_user_id,
                                        amount_minor=loan.amount_minor, currency=loan.currency,
                                        review_id=review_id),
        target_type="loan", target_id=loan.id, now=now)
    return {"loan_id": loan.id, "held": True, "review_id": review_id}


def _require_held(loan: Loan) -> None:
    if loan.status != LOAN_DISBURSEMENT_HELD:
        raise Conflict("lending.disbursement_not_held",
                       "this loan's disbursement is not waiting for a risk review",
                       extra={"status": loan.status})


async def release_held(session: AsyncSession, *, loan_id: int, now: datetime) -> dict[str, Any]:
    """A risk officer released the held disbursement (in the review's transaction): it is paid
    out now, once. Raises ``Conflict('lending.disbursement_not_held')``."""
    loan = await _locked(session, loan_id)
    _require_held(loan)
    return await _pay(session, loan=loan, now=now)


async def refuse_held(session: AsyncSession, *, loan_id: int, now: datetime) -> dict[str, Any]:
    """A risk officer refused the held disbursement (in the review's transaction): the loan is
    ``refused``, every bid's hold voided and the bids ``voided``, once. Raises
    ``Conflict('lending.disbursement_not_held')``."""
    loan = await _locked(session, loan_id)
    _require_held(loan)
    bids = list((await session.execute(
        select(Bid.id, Bid.user_id, Bid.amount_minor, Bid.hold_id)
        .where(Bid.loan_id == loan.id, Bid.status == BID_HELD).order_by(Bid.id))).all())
    hold_ids = [b.hold_id for b in bids]
    for start in range(0, len(hold_ids), HOLD_CHUNK):
        await ledger_service.void_holds(session, hold_ids=hold_ids[start:start + HOLD_CHUNK],
                                        now=now, reference=pool_reference(loan.id))
    await session.execute(update(Bid).where(Bid.loan_id == loan.id, Bid.status == BID_HELD)
                          .values(status=BID_VOIDED, closed_at=now))
    loan.status, loan.closed_at = LOAN_REFUSED, now
    loan.version, loan.updated_at = loan.version + 1, now
    await events_service.record(
        session,
        lending_events.DisbursementRefused(
            loan_id=loan.id, borrower_user_id=loan.borrower_user_id,
            amount_minor=loan.amount_minor, currency=loan.currency, bids=len(bids)),
        target_type="loan", target_id=loan.id, now=now)
    await events_service.record_many(session, [
        (lending_events.BidRefunded(bid_id=b.id, loan_id=loan.id, user_id=b.user_id,
                                    amount_minor=b.amount_minor, currency=loan.currency),
         b.id) for b in bids], target_type="loan_bid", now=now)
    return {"loan_id": loan.id, "status": loan.status, "bids_voided": len(bids)}


async def _pay(session: AsyncSession, *, loan: Loan, now: datetime) -> dict[str, Any]:
    """Steps 1–3 of the module's docstring for ``loan`` (locked, fully funded)."""
    bids = list((await session.execute(
        select(Bid.id, Bid.user_id, Bid.amount_minor, Bid.hold_id)
        .where(Bid.loan_id == loan.id, Bid.status == BID_HELD).order_by(Bid.id))).all())
    assert sum(b.amount_minor for b in bids) == loan.amount_minor, "bids do not add up"
    pool = await pool_account(session, loan_id=loan.id, now=now)
    hold_ids = [b.hold_id for b in bids]
    for start in range(0, len(hold_ids), HOLD_CHUNK):
        await ledger_service.post_holds(session, hold_ids=hold_ids[start:start + HOLD_CHUNK],
                                        now=now, currency=loan.currency,
                                        reference=pool_reference(loan.id))
    net = await _pay_out(session, loan=loan, pool=pool, now=now)
    await session.execute(update(Bid).where(Bid.loan_id == loan.id, Bid.status == BID_HELD)
                          .values(status=BID_FUNDED, closed_at=now))
    claims = await _record_claims(session, loan=loan, bids=bids, now=now)
    start_date = business_date(now)
    plan = schedule_rules.build_schedule(
        principal_minor=loan.amount_minor, annual_rate=Decimal(loan.annual_rate),
        term_months=loan.term_months, method=loan.repayment_method, start_date=start_date)
    await _insert_installments(session, loan=loan, plan=plan, now=now)
    loan.status, loan.disbursed_at, loan.start_date = LOAN_DISBURSED, now, start_date
    loan.principal_outstanding_minor = loan.amount_minor
    loan.version, loan.updated_at = loan.version + 1, now
    borrower = await identity_queries.party_identity(session, loan.borrower_user_id)
    name = (borrower.institution_name if loan.borrower_kind == "company"
            else borrower.real_name) or f"#{loan.borrower_user_id}"
    digest = await agreement.issue(
        session, loan=loan, schedule=plan, contract_date=start_date,
        claims=[(user, principal) for _id, user, principal in claims],
        borrower_name=mask_name(name) or name, now=now)
    await events_service.record(
        session,
        lending_events.LoanDisbursed(
            loan_id=loan.id, borrower_user_id=loan.borrower_user_id,
            amount_minor=loan.amount_minor, net_minor=net,
            upfront_fee_minor=loan.upfront_fee_minor,
            reserve_contribution_minor=loan.reserve_contribution_minor, currency=loan.currency,
            start_date=start_date.isoformat(), installments=len(plan.installments),
            agreement_sha256=digest),
        target_type="loan", target_id=loan.id, now=now)
    await events_service.record_many(session, [
        (lending_events.ClaimRecorded(claim_id=claim_id, loan_id=loan.id, user_id=user,
                                      principal_minor=principal, currency=loan.currency),
         claim_id) for claim_id, user, principal in claims], target_type="loan_claim", now=now)
    return {"loan_id": loan.id, "held": False, "net_minor": net, "claims": len(claims),
            "installments": len(plan.installments), "agreement_sha256": digest}


async def _pay_out(session: AsyncSession, *, loan: Loan, pool: int, now: datetime) -> int:
    """One entry out of the loan's pool: borrower (net), fee revenue, risk reserve."""
    wallet = await ledger_service.wallet_of(session, loan.borrower_user_id)
    if wallet is None:
        raise Conflict("lending.borrower_wallet_missing", "the borrower has no wallet")
    net = loan.amount_minor - loan.upfront_fee_minor - loan.reserve_contribution_minor
    legs = [ledger_service.debit(pool, Money(loan.amount_minor, loan.currency)),
            ledger_service.credit(wallet, Money(net, loan.currency))]
    if loan.upfront_fee_minor:
        revenue = await ledger_service.platform_account(session, kind="fee_revenue", now=now)
        legs.append(ledger_service.credit(revenue, Money(loan.upfront_fee_minor, loan.currency)))
    if loan.reserve_contribution_minor:
        reserve = await ledger_service.platform_account(session, kind="risk_reserve", now=now)
        legs.append(ledger_service.credit(
            reserve, Money(loan.reserve_contribution_minor, loan.currency)))
    await ledger_service.transfer(
        session, source_type=DISBURSEMENT_SOURCE, source_id=str(loan.id), code=DISBURSE_CODE,
        now=now, postings=legs, reference=pool_reference(loan.id),
        metadata={"loan_id": loan.id, "upfront_fee_minor": loan.upfront_fee_minor,
                  "reserve_contribution_minor": loan.reserve_contribution_minor})
    return net


async def _record_claims(session: AsyncSession, *, loan: Loan, bids: list[Any],
                         now: datetime) -> list[tuple[int, int, int]]:
    """One claim per investor (their bids added up), in the order of their first bid; returns
    (claim id, user id, principal) in id order."""
    principal: dict[int, int] = defaultdict(int)
    for bid in bids:
        principal[bid.user_id] += bid.amount_minor
    # Each investor's wallet, which their bid's hold was on: the claim is paid to it.
    wallets = await ledger_service.wallets_of(session, list(principal))
    await session.execute(insert(cast(Table, Claim.__table__)), [
        {"loan_id": loan.id, "holder_kind": HOLDER_INVESTOR, "user_id": user,
         "principal_minor": amount, "account_id": wallets[user], "transferred_at": None,
         "created_at": now, "updated_at": now}
        for user, amount in principal.items()])
    rows = await session.execute(
        select(Claim.id, Claim.user_id, Claim.principal_minor)
        .where(Claim.loan_id == loan.id, Claim.holder_kind == HOLDER_INVESTOR)
        .order_by(Claim.id))
    return [(row.id, int(row.user_id), row.principal_minor) for row in rows]


async def _insert_installments(session: AsyncSession, *, loan: Loan,
                               plan: schedule_rules.Schedule, now: datetime) -> None:
    await session.execute(insert(cast(Table, Installment.__table__)), [
        {"loan_id": loan.id, "number": i.number, "due_date": i.due_date,
         "principal_minor": i.principal_minor, "interest_minor": i.interest_minor,
         "fee_minor": loan.installment_fee_minor, "penalty_minor": 0,
         "paid_principal_minor": 0, "paid_interest_minor": 0, "paid_fee_minor": 0,
         "paid_penalty_minor": 0, "status": INSTALLMENT_SCHEDULED,
         "penalty_accrued_through": None, "compensated_at": None, "paid_at": None,
         "version": 1, "updated_at": now}
        for i in plan.installments])
