"""Bids: amount rules, suitability, holds, never oversubscribed (also under concurrency),
idempotency; the window's end refunds every bid."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from finplat.core import scheduler
from finplat.core.clock import business_date, business_day_start
from finplat.core.errors import Conflict, DomainError, Forbidden, InvalidInput
from finplat.lending import bids, jobs
from finplat.lending.models import Bid, Loan
from tests.integration.investment.helpers import investor, wallet_balance
from tests.integration.lending import origination_helpers as h


async def test_bid_holds_the_amount(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now)
    lender = await h.investor_for(db, now)
    body = await h.bid(db, now, loan_id=listed["loan_id"], user_id=lender, amount_minor=300_000)
    assert body["status"] == "held" and body["loan_funded_minor"] == 300_000
    assert body["loan_remaining_minor"] == 700_000 and body["disbursed"] is False
    balance = await wallet_balance(db, lender)
    assert balance["available_minor"] == 10_000_000 - 300_000


async def test_amount_rules(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now, amount_minor=1_000_000)
    lender = await h.investor_for(db, now)
    for amount, code in ((5_000, "lending.bid_below_minimum"), (10_050, "lending.bid_step")):
        with pytest.raises(InvalidInput) as refused:
            await h.bid(db, now, loan_id=listed["loan_id"], user_id=lender, amount_minor=amount)
        assert refused.value.code == code
    with pytest.raises(Conflict) as over:
        await h.bid(db, now, loan_id=listed["loan_id"], user_id=lender, amount_minor=1_000_100)
    assert over.value.code == "lending.oversubscribed"
    assert over.value.extra["remaining_minor"] == 1_000_000
    await h.bid(db, now, loan_id=listed["loan_id"], user_id=lender, amount_minor=995_000)
    # What remains (50.00) is below the minimum bid, and may still be bid exactly.
    last = await h.bid(db, now, loan_id=listed["loan_id"], user_id=lender, amount_minor=5_000)
    assert last["disbursed"] is True


async def test_borrower_cannot_bid_on_own_loan(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now)
    with pytest.raises(Forbidden) as refused:
        await h.bid(db, now, loan_id=listed["loan_id"], user_id=listed["borrower_id"],
                    amount_minor=100_000)
    assert refused.value.code == "lending.own_loan"


async def test_suitability(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now)  # R2 or R3
    unassessed = await investor(db, now=now, level=None)
    lowest = await investor(db, now=now, level="C1")
    cautious = await investor(db, now=now, level="C2")
    loan_id = listed["loan_id"]
    with pytest.raises(Forbidden) as none:
        await h.bid(db, now, loan_id=loan_id, user_id=unassessed, amount_minor=100_000)
    assert none.value.code == "investment.assessment_required"
    with pytest.raises(Forbidden) as c1:
        await h.bid(db, now, loan_id=loan_id, user_id=lowest, amount_minor=100_000)
    assert c1.value.code == "investment.suitability_mismatch"
    assert c1.value.extra["can_acknowledge"] is False
    async with db.transaction(readonly=True) as session:
        level = (await session.get(Loan, loan_id)).risk_level
    if level == "R3":
        with pytest.raises(Forbidden) as c2:
            await h.bid(db, now, loan_id=loan_id, user_id=cautious, amount_minor=100_000,
                        acknowledge=False)
        assert c2.value.extra["can_acknowledge"] is True
    accepted = await h.bid(db, now, loan_id=loan_id, user_id=cautious, amount_minor=100_000)
    assert accepted["risk_mismatch_acknowledged"] is (level == "R3")


async def test_insufficient_funds_changes_nothing(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now)
    poor = await investor(db, now=now, level="C4", balance_minor=50_000)
    with pytest.raises(DomainError) as refused:
        await h.bid(db, now, loan_id=listed["loan_id"], user_id=poor, amount_minor=100_000)
    assert refused.value.code == "ledger.insufficient_funds"
    async with db.transaction(readonly=True) as session:
        loan = await session.get(Loan, listed["loan_id"])
        assert loan.funded_minor == 0 and loan.bid_count == 0
        assert await session.scalar(select(func.count()).select_from(Bid)) == 0


async def test_idempotent_replay(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now)
    lender = await h.investor_for(db, now)
    calls = [bids.place_bid(db, user_id=lender, loan_id=listed["loan_id"], amount_minor=200_000,
                            acknowledge_risk_mismatch=True, idempotency_key="same", now=now)
             for _ in range(2)]
    first, second = [await call for call in calls]
    assert first.body == second.body
    assert (await wallet_balance(db, lender))["available_minor"] == 10_000_000 - 200_000


async def test_concurrent_bids_for_the_last_amount(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now, amount_minor=1_000_000)
    first = await h.investor_for(db, now)
    await h.bid(db, now, loan_id=listed["loan_id"], user_id=first, amount_minor=800_000)
    racers = [await h.investor_for(db, now) for _ in range(6)]
    results = await asyncio.gather(*[
        h.bid(db, now, loan_id=listed["loan_id"], user_id=user, amount_minor=200_000)
        for user in racers], return_exceptions=True)
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if not isinstance(r, dict)]
    assert len(won) == 1 and won[0]["disbursed"] is True
    assert all(isinstance(e, Conflict) and e.code in ("lending.oversubscribed",
                                                      "lending.listing_closed") for e in lost)
    async with db.transaction(readonly=True) as session:
        loan = await session.get(Loan, listed["loan_id"])
        assert loan.funded_minor == loan.amount_minor == 1_000_000
        assert loan.status == "disbursed" and loan.bid_count == 2
    balances = sorted([(await wallet_balance(db, user))["balance_minor"] for user in racers])
    assert balances == [9_800_000] + [10_000_000] * 5
    for user in racers:
        assert (await wallet_balance(db, user))["frozen_minor"] == 0


def _registry() -> scheduler.JobRegistry:
    registry = scheduler.JobRegistry()
    registry.register("lending.expire_listings", jobs.expire_listings, order=40)
    return registry


async def test_window_end_refunds_every_bid(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now)
    lenders = [await h.investor_for(db, now) for _ in range(2)]
    for lender in lenders:
        await h.bid(db, now, loan_id=listed["loan_id"], user_id=lender, amount_minor=200_000)
    # Not yet over: the job leaves it listed.
    report = await scheduler.run_day(db, clock=clock, day=business_date(now), jobs=_registry())
    assert report.ok
    ends = now + timedelta(days=7)
    day = business_date(ends) + timedelta(days=1)
    clock.set(business_day_start(day) + timedelta(minutes=30))
    with pytest.raises(Conflict) as closed:
        await h.bid(db, clock.now(), loan_id=listed["loan_id"], user_id=lenders[0],
                    amount_minor=200_000)
    assert closed.value.code == "lending.listing_closed"
    report = await scheduler.run_day(db, clock=clock, day=day, jobs=_registry())
    assert report.ok, report.outcomes
    async with db.transaction(readonly=True) as session:
        loan = await session.get(Loan, listed["loan_id"])
        statuses = set(await session.scalars(select(Bid.status)))
    assert loan.status == "unfunded" and statuses == {"voided"}
    for lender in lenders:
        assert (await wallet_balance(db, lender))["available_minor"] == 10_000_000
