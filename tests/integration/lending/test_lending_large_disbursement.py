"""The built-in blocking rule ``hold_large_disbursement``: a loan paid out at the AML
large-value threshold (REGULATORY.md: an individual's transfers ¥50万, a company's ¥200万,
inclusive) waits for a risk officer; one fen less is paid out at once. Its thresholds are
parameters an officer edits like any rule's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.risk import rules, service
from finplat.risk.models import RiskReview, RiskRule
from tests.factories import bearer_for, make_staff
from tests.integration.lending import origination_helpers as origination
from tests.integration.lending.helpers import loan_of

CODE = "hold_large_disbursement"
INDIVIDUAL = 50_000_000  # ¥50万
COMPANY = 200_000_000  # ¥200万


async def _verdict(db: Database, now: datetime, *, amount_minor: int, company: bool = False,
                   kind: str = "loan_disbursement") -> service.Verdict:
    async with db.transaction(readonly=True) as session:
        return await service.check_blocking(session, kind=kind, user_id=1,
                                            amount_minor=amount_minor, now=now,
                                            company=company)


async def test_the_rule_is_built_in_with_the_regulatory_thresholds(
    db: Database, clock: FrozenClock,
) -> None:
    await _verdict(db, clock.now(), amount_minor=1)  # the built-in rules are stored on first use
    async with db.transaction(readonly=True) as session:
        row = await session.scalar(select(RiskRule).where(RiskRule.code == CODE))
    assert row is not None and row.enabled and row.kind == "hold_disbursement"
    assert row.parameters == {"threshold_minor": INDIVIDUAL, "company_threshold_minor": COMPANY}
    assert row.kind in rules.BLOCKING_KINDS


@pytest.mark.parametrize(("company", "threshold"), [(False, INDIVIDUAL), (True, COMPANY)])
async def test_holds_a_disbursement_at_the_threshold_and_not_one_fen_below(
    db: Database, clock: FrozenClock, company: bool, threshold: int,
) -> None:
    held = await _verdict(db, clock.now(), amount_minor=threshold, company=company)
    assert held.rule_codes == [CODE]
    assert held.factors[0]["threshold_minor"] == threshold
    assert held.factors[0]["total_minor"] == threshold
    quiet = await _verdict(db, clock.now(), amount_minor=threshold - 1, company=company)
    assert CODE not in quiet.rule_codes


async def test_it_leaves_withdrawals_to_the_withdrawal_rule(db: Database,
                                                            clock: FrozenClock) -> None:
    verdict = await _verdict(db, clock.now(), amount_minor=COMPANY, kind="withdrawal")
    assert CODE not in verdict.rule_codes
    assert "hold_large_withdrawal" in verdict.rule_codes


async def _set_threshold(client: httpx.AsyncClient, app: Any, db: Database, now: datetime,
                         threshold: int) -> None:
    officer_id, *_ = await make_staff(db, now=now, role="risk_officer")
    changed = await client.patch(
        f"/api/v1/admin/risk/rules/{CODE}", headers=bearer_for(app, officer_id),
        json={"parameters": {"threshold_minor": threshold, "company_threshold_minor": COMPANY}})
    assert changed.status_code == 200, changed.text


async def _fund(db: Database, now: datetime, amount_minor: int) -> dict[str, Any]:
    listed = await origination.listing(db, now, amount_minor=amount_minor)
    investors = [await origination.investor_for(db, now, balance_minor=amount_minor)
                 for _ in range(2)]
    last: dict[str, Any] = {}
    for investor, share in zip(investors, (amount_minor // 2, amount_minor - amount_minor // 2),
                               strict=True):
        last = await origination.bid(db, now, loan_id=listed["loan_id"], user_id=investor,
                                     amount_minor=share)
    return {**listed, "last_bid": last}


@pytest.mark.parametrize(("threshold", "held"), [(1_000_000, True), (1_000_001, False)])
async def test_a_loan_at_the_edited_threshold_is_held_and_one_fen_below_is_paid_out(
    client: httpx.AsyncClient, app: Any, db: Database, clock: FrozenClock, threshold: int,
    held: bool,
) -> None:
    # The caps keep a loan far below ¥50万; an officer lowers the threshold to see it work.
    await _set_threshold(client, app, db, clock.now(), threshold)
    made = await _fund(db, clock.now(), 1_000_000)
    assert made["last_bid"]["disbursement_held"] is held
    assert made["last_bid"]["disbursed"] is not held
    loan = await loan_of(db, made["loan_id"])
    assert loan.status == ("held_for_review" if held else "disbursed")
    async with db.transaction(readonly=True) as session:
        review = await session.scalar(select(RiskReview).where(
            RiskReview.kind == "disbursement", RiskReview.subject_id == made["loan_id"]))
    if held:
        assert review is not None and review.rule_codes == [CODE]
    else:
        assert review is None
