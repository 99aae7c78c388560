"""Blocking rules inside the withdrawal use case: a hit opens the withdrawal held for review
with its money held; an officer releases it (to the channel) or refuses it (hold voided),
exactly once; the recovery loop leaves it alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.core.errors import Conflict
from finplat.payment import recovery
from finplat.payment.channels import ChannelRegistry
from finplat.payment.config import PaymentSettings
from finplat.payment.models import PaymentWithdrawal
from finplat.payment.simulator import SimulatedChannel
from finplat.risk import reviews
from finplat.risk.handlers import activity
from finplat.risk.monitoring import Monitor
from tests.factories import bearer_for, make_staff
from tests.integration.payment.helpers import deposit, wallet, withdraw

LARGE = 5_000_000  # the default hold_large_withdrawal threshold, inclusive


async def _funded(client: httpx.AsyncClient, investor: dict[str, Any], bank: SimulatedChannel,
                  post_callback: Any, amount_minor: int) -> None:
    assert (await deposit(client, investor["headers"], amount_minor)).status_code == 201
    await bank.deliver_pending(post_callback)


async def _officer(db: Database, clock: FrozenClock, app: Any) -> dict[str, str]:
    officer_id, *_ = await make_staff(db, now=clock.now(), role="risk_officer")
    return bearer_for(app, officer_id)


def _checks_timed() -> float:
    return REGISTRY.get_sample_value("finplat_risk_blocking_check_seconds_count",
                                     {"kind": "withdrawal"}) or 0.0


async def _status(db: Database, withdrawal_id: int) -> str:
    async with db.transaction(readonly=True) as session:
        return str(await session.scalar(select(PaymentWithdrawal.status).where(
            PaymentWithdrawal.id == withdrawal_id)))


async def _review_id(client: httpx.AsyncClient, officer: dict[str, str]) -> int:
    response = await client.get("/api/v1/admin/risk/reviews", headers=officer)
    assert response.status_code == 200, response.text
    return int(response.json()["items"][0]["id"])


async def test_a_large_withdrawal_is_held_and_the_customer_is_told_why(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    await _funded(client, investor, bank, post_callback, 2 * LARGE)
    checks = _checks_timed()
    below = await withdraw(client, investor["headers"], LARGE - 1)
    assert below.status_code == 201 and below.json()["status"] == "created"
    assert below.json().get("review") is None
    assert _checks_timed() == checks + 1  # its duration observed for /metrics
    await bank.deliver_pending(post_callback)
    held = await withdraw(client, investor["headers"], LARGE)
    assert held.status_code == 201, held.text
    body = held.json()
    assert body["status"] == "held_for_review"
    assert "大额提现" in body["review"]["reason_zh"]
    assert "risk team" in body["review"]["reason_en"]
    assert bank.pending == []  # never handed to the channel
    assert (await wallet(db, investor["user_id"]))["frozen_minor"] == LARGE
    holds = await client.get("/api/v1/me/risk/holds",
                             headers={**investor["headers"], "Accept-Language": "en"})
    assert holds.json()[0]["subject_id"] == body["id"]
    assert "reserved for you" in holds.json()[0]["reason"]


async def test_release_hands_the_withdrawal_to_the_channel(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any, clock: FrozenClock, app: Any,
) -> None:
    await _funded(client, investor, bank, post_callback, LARGE)
    withdrawal_id = (await withdraw(client, investor["headers"], LARGE)).json()["id"]
    officer = await _officer(db, clock, app)
    review_id = await _review_id(client, officer)
    released = await client.post(f"/api/v1/admin/risk/reviews/{review_id}/release",
                                 json={"note": "salary, documented"}, headers=officer)
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    assert await _status(db, withdrawal_id) == "sent"
    await bank.deliver_pending(post_callback)
    assert await _status(db, withdrawal_id) == "succeeded"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 0
    again = await client.post(f"/api/v1/admin/risk/reviews/{review_id}/refuse", json={},
                              headers=officer)
    assert again.status_code == 409 and again.json()["code"] == "risk.review_decided"


async def test_refuse_voids_the_hold(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any, clock: FrozenClock, app: Any,
) -> None:
    await _funded(client, investor, bank, post_callback, LARGE)
    withdrawal_id = (await withdraw(client, investor["headers"], LARGE)).json()["id"]
    officer = await _officer(db, clock, app)
    review_id = await _review_id(client, officer)
    refused = await client.post(f"/api/v1/admin/risk/reviews/{review_id}/refuse",
                                json={"note": "source of funds unexplained"}, headers=officer)
    assert refused.status_code == 200, refused.text
    assert await _status(db, withdrawal_id) == "failed"
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": LARGE, "available_minor": LARGE, "frozen_minor": 0, "currency": "CNY"}
    assert bank.pending == []


async def test_customers_cannot_decide(
    client: httpx.AsyncClient, investor: dict[str, Any],
) -> None:
    response = await client.post("/api/v1/admin/risk/reviews/1/release", json={},
                                 headers=investor["headers"])
    assert response.status_code == 403


@pytest.mark.parametrize("first", ["release", "refuse"])
async def test_concurrent_release_and_refuse_decide_once(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any, clock: FrozenClock, app: Any, channels: ChannelRegistry, first: str,
) -> None:
    await _funded(client, investor, bank, post_callback, LARGE)
    withdrawal_id = (await withdraw(client, investor["headers"], LARGE)).json()["id"]
    officer_id, *_ = await make_staff(db, now=clock.now(), role="risk_officer")
    review_id = await _review_id(client, bearer_for(app, officer_id))
    order = [first, "refuse" if first == "release" else "release"]
    results = await asyncio.gather(*[
        reviews.decide(db=db, channels=channels, review_id=review_id, decision=decision,
                       officer_id=officer_id, note="race", now=clock.now())
        for decision in order], return_exceptions=True)
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].code == "risk.review_decided"
    await bank.deliver_pending(post_callback)
    money = await wallet(db, investor["user_id"])
    if won[0]["status"] == "released":
        assert await _status(db, withdrawal_id) == "succeeded"
        assert money["balance_minor"] == 0
    else:
        assert await _status(db, withdrawal_id) == "failed"
        assert money == {"balance_minor": LARGE, "available_minor": LARGE, "frozen_minor": 0,
                         "currency": "CNY"}


async def test_the_recovery_loop_leaves_held_withdrawals_alone(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any, clock: FrozenClock, channels: ChannelRegistry,
) -> None:
    await _funded(client, investor, bank, post_callback, LARGE)
    withdrawal_id = (await withdraw(client, investor["headers"], LARGE)).json()["id"]
    policy = PaymentSettings(_env_file=None)
    clock.advance(timedelta(minutes=policy.recovery_give_up_minutes + 5))
    report = await recovery.recover_once(db=db, channels=channels, policy=policy,
                                         now=clock.now())
    assert report.orders == 0
    assert await _status(db, withdrawal_id) == "held_for_review"
    assert bank.pending == [] and (await wallet(db, investor["user_id"]))["frozen_minor"] == LARGE


async def test_a_snoozed_blocking_rule_lets_the_withdrawal_through(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any, clock: FrozenClock, app: Any,
) -> None:
    await _funded(client, investor, bank, post_callback, LARGE)
    officer = await _officer(db, clock, app)
    snoozed = await client.post(
        "/api/v1/admin/risk/rules/hold_large_withdrawal/snoozes", headers=officer,
        json={"user_id": investor["user_id"], "reason": "known payroll account",
              "until_at": (clock.now() + timedelta(days=1)).isoformat()})
    assert snoozed.status_code == 201, snoozed.text
    response = await withdraw(client, investor["headers"], LARGE)
    assert response.json()["status"] == "created"


async def test_a_withdrawal_after_six_idle_months_is_held(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any, clock: FrozenClock,
) -> None:
    await _funded(client, investor, bank, post_callback, 100_000)
    long_ago = clock.now() - timedelta(days=180)
    async with db.transaction() as session:  # monitoring saw a movement 180 days ago
        await Monitor().evaluate(session, [activity(
            source="deposit:old", user_id=investor["user_id"], kind="deposit", direction="in",
            amount_minor=100_000, currency="CNY", at=long_ago)], now=long_ago)
    response = await withdraw(client, investor["headers"], 10_000)
    assert response.json()["status"] == "held_for_review"
    assert "not used for a long time" in response.json()["review"]["reason_en"]
    async with db.transaction() as session:  # a movement 179 days ago: not idle enough
        await Monitor().evaluate(session, [activity(
            source="deposit:less-old", user_id=investor["user_id"], kind="deposit",
            direction="in", amount_minor=100, currency="CNY",
            at=long_ago + timedelta(days=1))], now=long_ago)
    assert (await withdraw(client, investor["headers"], 10_000)).json()["status"] == "created"
