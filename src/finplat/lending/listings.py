"""Listings as lenders see them (with the borrower disclosure a lender must see) and the end
of a funding window: an unfilled listing is ``unfunded`` and every bid's hold voided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.masking import mask_name
from finplat.core.pagination import Page, PageParams, page_of
from finplat.events import service as events_service
from finplat.identity import queries as identity_queries
from finplat.ledger import service as ledger_service
from finplat.lending import agreement, borrowers, disbursement
from finplat.lending import events as lending_events
from finplat.lending.bids import LoanNotFound
from finplat.lending.models import (
    BID_HELD,
    BID_VOIDED,
    LOAN_LISTED,
    LOAN_UNFUNDED,
    Application,
    Bid,
    Loan,
)
from finplat.lending.policy import LendingPolicy, get_policy

LISTING_STATUSES = frozenset({"listed", "unfunded", "disbursed", "paid_off", "written_off"})


def loan_json(loan: Loan, policy: LendingPolicy) -> dict[str, Any]:
    return {
        "id": loan.id,
        "status": loan.status,
        "product_id": loan.product_id,
        "institution_id": loan.institution_id,
        "amount_minor": loan.amount_minor,
        "currency": loan.currency,
        "funded_minor": loan.funded_minor,
        "remaining_minor": loan.amount_minor - loan.funded_minor,
        "bid_count": loan.bid_count,
        "term_months": loan.term_months,
        "repayment_method": loan.repayment_method,
        "annual_rate": loan.annual_rate,
        "apr": loan.apr,
        "lpr_one_year": loan.lpr_one_year,
        "grade": loan.grade,
        "risk_level": loan.risk_level,
        "purpose": loan.purpose,
        "service_fee_kind": loan.service_fee_kind,
        "upfront_fee_minor": loan.upfront_fee_minor,
        "installment_fee_minor": loan.installment_fee_minor,
        "reserve_contribution_minor": loan.reserve_contribution_minor,
        "penalty_daily_rate": loan.penalty_daily_rate,
        "grace_days": loan.grace_days,
        "prepayment_fee_rate_bps": loan.prepayment_fee_rate_bps,
        "listed_at": loan.listed_at.isoformat(),
        "funding_ends_at": loan.funding_ends_at.isoformat(),
        "disbursed_at": None if loan.disbursed_at is None else loan.disbursed_at.isoformat(),
        "start_date": None if loan.start_date is None else loan.start_date.isoformat(),
        "agreement_sha256": loan.agreement_sha256,
        "min_bid_minor": policy.min_bid_minor,
        "bid_step_minor": policy.bid_step_minor,
    }


async def _disclosure(session: AsyncSession, loan: Loan) -> dict[str, Any]:
    """Who borrows, as a lender must be told: masked name, kind, record on the platform."""
    institution_id = await session.scalar(
        select(Application.institution_id)
        .where(Application.id == loan.application_id))
    ref = borrowers.ref_of_loan(loan, institution_id)
    record = await borrowers.record(session, ref)
    if ref.kind == "company" and institution_id is not None:
        names = await identity_queries.institution_names(session, [institution_id])
        name = mask_name(names.get(institution_id))
    else:
        name = (await identity_queries.masked_names(session, [loan.borrower_user_id])).get(
            loan.borrower_user_id)
    return {
        "kind": ref.kind,
        "masked_name": name,
        "record": {
            "loans": record.loans,
            "paid_off": record.paid_off,
            "written_off": record.written_off,
            "overdue_installments": record.overdue_installments,
            "days_past_due_now": record.days_past_due_now,
        },
    }


async def listing(db: Database, *, page: PageParams, status: str = LOAN_LISTED,
                  policy: LendingPolicy | None = None) -> Page[Any]:
    """Loans of a status (default: listings open for bids), newest first, with disclosure."""
    policy = policy or get_policy()

    async def work(session: AsyncSession) -> Page[Any]:
        query = select(Loan).where(Loan.status == status)
        if page.last_id is not None:
            query = query.where(Loan.id < page.last_id)
        rows = list(await session.scalars(query.order_by(Loan.id.desc())
                                          .limit(page.fetch_limit)))
        cut = page_of(rows, page)
        items = [{**loan_json(loan, policy), "borrower": await _disclosure(session, loan)}
                 for loan in cut.items]
        return Page(items=items, next_cursor=cut.next_cursor)

    return await db.run(work, readonly=True)


async def one(db: Database, *, loan_id: int, user_id: int, staff: bool,
              policy: LendingPolicy | None = None) -> dict[str, Any]:
    """A listing open for bids, to any signed-in user; any other loan to its borrower, its
    investors and staff (others: not found)."""
    policy = policy or get_policy()

    async def work(session: AsyncSession) -> dict[str, Any]:
        loan = await session.get(Loan, loan_id)
        if loan is None:
            raise LoanNotFound()
        if loan.status != LOAN_LISTED and not await agreement.may_read(
                session, loan=loan, user_id=user_id, staff=staff):
            raise LoanNotFound()
        return {**loan_json(loan, policy), "borrower": await _disclosure(session, loan)}

    return await db.run(work, readonly=True)


async def expired_listing_ids(db: Database, *, now: datetime, limit: int) -> list[int]:
    return list(await db.run(lambda s: _expired(s, now, limit), readonly=True))


async def _expired(session: AsyncSession, now: datetime, limit: int) -> list[int]:
    rows = await session.scalars(
        select(Loan.id).where(Loan.status == LOAN_LISTED, Loan.funding_ends_at <= now)
        .order_by(Loan.id).limit(limit))
    return list(rows)


async def expire(db: Database, *, loan_id: int, now: datetime) -> bool:
    """End an unfilled listing whose window is over: ``unfunded``, every hold voided, events.
    False when it is not (or no longer) an expired listing."""

    async def work(session: AsyncSession) -> bool:
        loan = await session.scalar(select(Loan).where(Loan.id == loan_id).with_for_update()
                                    .execution_options(populate_existing=True))
        if loan is None or loan.status != LOAN_LISTED or loan.funding_ends_at > now:
            return False
        bids = list((await session.execute(
            select(Bid.id, Bid.user_id, Bid.amount_minor, Bid.hold_id)
            .where(Bid.loan_id == loan.id, Bid.status == BID_HELD).order_by(Bid.id))).all())
        hold_ids = [b.hold_id for b in bids]
        for start in range(0, len(hold_ids), disbursement.HOLD_CHUNK):
            await ledger_service.void_holds(
                session, hold_ids=hold_ids[start:start + disbursement.HOLD_CHUNK], now=now,
                reference=disbursement.pool_reference(loan.id))
        await session.execute(update(Bid).where(Bid.loan_id == loan.id, Bid.status == BID_HELD)
                              .values(status=BID_VOIDED, closed_at=now))
        loan.status, loan.closed_at = LOAN_UNFUNDED, now
        loan.version, loan.updated_at = loan.version + 1, now
        await events_service.record(
            session,
            lending_events.LoanUnfunded(loan_id=loan.id, borrower_user_id=loan.borrower_user_id,
                                        amount_minor=loan.amount_minor,
                                        funded_minor=loan.funded_minor, currency=loan.currency),
            target_type="loan", target_id=loan.id, now=now)
        await events_service.record_many(session, [
            (lending_events.BidRefunded(bid_id=b.id, loan_id=loan.id, user_id=b.user_id,
                                        amount_minor=b.amount_minor, currency=loan.currency),
             b.id) for b in bids], target_type="loan_bid", now=now)
        return True

    return await db.run(work)
