"""The risk control's blocking check before a loan is paid out: a hit holds the fully funded
loan (``held_for_review``, every bid's hold kept) for a risk officer, who releases it (paid out
once) or refuses it (every hold voided once); two decisions racing: exactly one takes effect."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.core.errors import Conflict
from finplat.ledger import service as ledger_service
from finplat.ledger.models import LedgerEntry
from finplat.ledger.verify import verify_ledger
from finplat.lending.models import Bid, Claim
from finplat.payment import runtime as payment_runtime
from finplat.risk import reviews
from finplat.risk.models import RiskReview, RiskScreening
from tests.factories import bearer_for, make_staff
from tests.integration.lending import origination_helpers as origination
from tests.integration.lending.helpers import available, loan_of

AMOUNT = 1_000_000


async def _watchlisted(db: Database, user_id: int, now: datetime) -> None:
    """The borrower's name hit a watch list at verification (``hold_watchlist`` blocks)."""
    async with db.transaction() as session:
        await session.execute(update(RiskScreening).where(RiskScreening.user_id == user_id)
                              .values(status="hit", score=1.0, screened_at=now))


async def _funded(db: Database, now: datetime, *, watchlisted: bool) -> dict[str, Any]:
    listed = await origination.listing(db, now, amount_minor=AMOUNT)
    if watchlisted:
        await _watchlisted(db, listed["borrower_id"], now)
    investors = [await origination.investor_for(db, now, balance_minor=AMOUNT) for _ in range(2)]
    bodies = [await origination.bid(db, now, loan_id=listed["loan_id"], user_id=investor,
                                    amount_minor=AMOUNT // 2) for investor in investors]
    return {**listed, "investor_ids": investors, "last_bid": bodies[-1]}


async def _review_of(db: Database, loan_id: int) -> RiskReview:
    async with db.transaction(readonly=True) as session:
        found = await session.scalar(select(RiskReview).where(
            RiskReview.kind == "disbursement", RiskReview.subject_id == loan_id))
    assert found is not None
    return found


async def _count(db: Database, model: Any, *where: Any) -> int:
    async with db.transaction(readonly=True) as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where))
                   or 0)


async def _verified(db: Database) -> None:
    async with db.transaction(readonly=True) as session:
        report = await verify_ledger(session)
    assert report.ok, report.problems


async def _balance(db: Database, user_id: int) -> int:
    async def read(session: Any) -> int:
        wallet = await ledger_service.wallet_of(session, user_id)
        assert wallet is not None
        return (await ledger_service.balance(session, account_id=wallet)).balance.amount_minor

    return await db.run(read, readonly=True)


async def test_without_a_hit_the_loan_is_paid_out_at_once(db: Database,
                                                          clock: FrozenClock) -> None:
    made = await _funded(db, clock.now(), watchlisted=False)
    assert made["last_bid"]["disbursed"] is True
    assert made["last_bid"]["disbursement_held"] is False
    assert (await loan_of(db, made["loan_id"])).status == "disbursed"
    assert await _count(db, RiskReview, RiskReview.subject_id == made["loan_id"],
                        RiskReview.kind == "disbursement") == 0


async def test_a_hit_holds_the_disbursement_and_a_release_pays_it_out_once(
    client: httpx.AsyncClient, app: Any, db: Database, clock: FrozenClock,
) -> None:
    made = await _funded(db, clock.now(), watchlisted=True)
    loan_id = made["loan_id"]
    assert made["last_bid"]["disbursed"] is False
    assert made["last_bid"]["disbursement_held"] is True
    assert (await loan_of(db, loan_id)).status == "held_for_review"
    # The investors' money stays held: not available, still on their wallets.
    for investor in made["investor_ids"]:
        assert await available(db, investor) == AMOUNT // 2
        assert await _balance(db, investor) == AMOUNT
    assert await available(db, made["borrower_id"]) == 0
    review = await _review_of(db, loan_id)
    assert review.status == "pending" and review.rule_codes == ["hold_watchlist"]
    holds = await client.get("/api/v1/me/risk/holds",
                             headers={**bearer_for(app, made["borrower_id"]),
                                      "Accept-Language": "zh-CN"})
    assert holds.status_code == 200, holds.text
    [hold] = holds.json()
    assert hold["kind"] == "disbursement" and hold["subject_id"] == loan_id
    assert "放款" in hold["reason"] and "名单" not in hold["reason"]
    officer_id, *_ = await make_staff(db, now=clock.now(), role="risk_officer")
    officer = bearer_for(app, officer_id)
    url = f"/api/v1/admin/risk/reviews/{review.id}"
    released = await client.post(f"{url}/release", headers=officer, json={"note": "核实无误"})
    assert released.status_code == 200, released.text
    again = await client.post(f"{url}/release", headers=officer, json={"note": "再次"})
    assert again.status_code == 409 and again.json()["code"] == "risk.review_decided"
    loan = await loan_of(db, loan_id)
    assert loan.status == "disbursed" and loan.principal_outstanding_minor == AMOUNT
    assert await available(db, made["borrower_id"]) == (
        AMOUNT - loan.upfront_fee_minor - loan.reserve_contribution_minor)
    assert await _count(db, LedgerEntry, LedgerEntry.source_type == "lending_disbursement",
                        LedgerEntry.source_id == str(loan_id)) == 1
    assert await _count(db, Claim, Claim.loan_id == loan_id) == 2
    await _verified(db)


async def test_a_refusal_voids_every_hold_once(client: httpx.AsyncClient, app: Any,
                                               db: Database, clock: FrozenClock) -> None:
    made = await _funded(db, clock.now(), watchlisted=True)
    loan_id = made["loan_id"]
    review = await _review_of(db, loan_id)
    officer_id, *_ = await make_staff(db, now=clock.now(), role="risk_officer")
    officer = bearer_for(app, officer_id)
    refused = await client.post(f"/api/v1/admin/risk/reviews/{review.id}/refuse",
                                headers=officer, json={"note": "名单命中"})
    assert refused.status_code == 200, refused.text
    assert (await loan_of(db, loan_id)).status == "refused"
    for investor in made["investor_ids"]:
        assert await available(db, investor) == AMOUNT
    assert await _count(db, Bid, Bid.loan_id == loan_id, Bid.status == "voided") == 2
    assert await available(db, made["borrower_id"]) == 0
    again = await client.post(f"/api/v1/admin/risk/reviews/{review.id}/release",
                              headers=officer, json={"note": "改主意"})
    assert again.status_code == 409
    assert (await loan_of(db, loan_id)).status == "refused"
    await _verified(db)


@pytest.mark.parametrize("decisions", [("release", "release"), ("release", "refuse"),
                                       ("refuse", "refuse")])
async def test_two_officers_deciding_at_once_exactly_one_takes_effect(
    app: Any, db: Database, clock: FrozenClock, decisions: tuple[str, str],
) -> None:
    made = await _funded(db, clock.now(), watchlisted=True)
    review = await _review_of(db, made["loan_id"])
    officers = [(await make_staff(db, now=clock.now(), role="risk_officer"))[0]
                for _ in decisions]
    channels = payment_runtime.channels_of(app.state)

    async def decide(decision: str, officer_id: int) -> str:
        try:
            await reviews.decide(db=db, channels=channels, review_id=review.id,
                                 decision=decision,  # type: ignore[arg-type]
                                 officer_id=officer_id, note="race", now=clock.now())
            return decision
        except Conflict as error:
            assert error.code == "risk.review_decided"
            return "lost"

    results = await asyncio.gather(*(decide(d, o) for d, o in zip(decisions, officers,
                                                                    strict=True)))
    won = [r for r in results if r != "lost"]
    assert len(won) == 1, results
    status = (await loan_of(db, made["loan_id"])).status
    assert status == ("disbursed" if won[0] == "release" else "refused")
    entries = await _count(db, LedgerEntry, LedgerEntry.source_type == "lending_disbursement",
                           LedgerEntry.source_id == str(made["loan_id"]))
    assert entries == (1 if won[0] == "release" else 0)
    voided = await _count(db, Bid, Bid.loan_id == made["loan_id"], Bid.status == "voided")
    assert voided == (0 if won[0] == "release" else 2)
    await _verified(db)
