"""Monitoring through the typed events: deposits, withdrawals, logins and verification become
activities; rules raise de-duplicated alerts with their factors; reports list exactly the
qualifying movements; screening at verification finds a listed name."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from finplat.core.clock import FrozenClock, business_date
from finplat.core.db import Database
from finplat.payment.simulator import SimulatedChannel
from finplat.risk import reports, screening
from finplat.risk.models import RiskActivity, RiskAlert, RiskScreening
from tests.factories import bearer_for, deliver_events, make_user, unique_phone
from tests.integration.payment.helpers import deposit, withdraw


async def _alerts(db: Database, rule_code: str) -> list[RiskAlert]:
    async with db.transaction(readonly=True) as session:
        return list((await session.scalars(select(RiskAlert).where(
            RiskAlert.rule_code == rule_code))).all())


async def _deposit(client: httpx.AsyncClient, investor: dict[str, Any], bank: SimulatedChannel,
                   post_callback: Any, amount_minor: int) -> None:
    assert (await deposit(client, investor["headers"], amount_minor)).status_code == 201
    await bank.deliver_pending(post_callback)


async def test_same_day_deposits_reaching_the_threshold_raise_one_alert(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any, clock: FrozenClock,
) -> None:
    await _deposit(client, investor, bank, post_callback, 3_000_000)
    await _deposit(client, investor, bank, post_callback, 1_999_900)
    await deliver_events(db, now=clock.now())
    assert await _alerts(db, "large_value_cash") == []  # just below
    await _deposit(client, investor, bank, post_callback, 100)  # exactly the threshold
    await _deposit(client, investor, bank, post_callback, 100)
    await deliver_events(db, now=clock.now())
    await deliver_events(db, now=clock.now())  # nothing is evaluated twice
    [alert] = await _alerts(db, "large_value_cash")
    assert alert.occurrences == 2 and alert.user_id == investor["user_id"]
    assert alert.factors[0]["factor"] == "amount_vs_threshold"
    assert alert.factors[0]["total_minor"] == 5_000_100
    async with db.transaction(readonly=True) as session:
        assert await session.scalar(select(func.count()).select_from(RiskActivity).where(
            RiskActivity.kind == "deposit")) == 4
    # three movements in a day: velocity too
    assert len(await _alerts(db, "velocity_day")) == 1


async def test_the_large_value_report_lists_exactly_the_qualifying_movements(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any, clock: FrozenClock, app: Any,
) -> None:
    other_id = await make_user(db, now=clock.now(), with_bank_card=True, real_name="李四")
    other = {"user_id": other_id, "headers": bearer_for(app, other_id)}
    await _deposit(client, investor, bank, post_callback, 2_500_000)
    await _deposit(client, investor, bank, post_callback, 2_500_000)
    await _deposit(client, other, bank, post_callback, 4_999_999)  # below: not reported
    assert (await withdraw(client, investor["headers"], 100_000)).status_code == 201
    await bank.deliver_pending(post_callback)  # the other direction: not reported
    await deliver_events(db, now=clock.now())
    day = business_date(clock.now())
    async with db.transaction() as session:
        made = await reports.generate(session, report_type="large-value", day=day,
                                      file_format="csv", actor_id=None, now=clock.now())
        as_json = await reports.generate(session, report_type="large-value", day=day,
                                         file_format="json", actor_id=None, now=clock.now())
    rows = list(csv.DictReader(io.StringIO(made.content)))
    assert [(r["customer_user_id"], r["amount_minor"], r["direction"]) for r in rows] == [
        (str(investor["user_id"]), "2500000", "in")] * 2
    assert rows[0]["customer_name"] == "张三" and len(rows[0]["customer_id_number"]) == 18
    assert rows[0]["day_total_minor"] == "5000000"
    assert json.loads(as_json.content)["rows"][1]["line"] == 2
    empty = await _generate(db, clock, day - timedelta(days=1))
    assert empty == []


async def _generate(db: Database, clock: FrozenClock, day: Any) -> list[dict[str, str]]:
    async with db.transaction() as session:
        made = await reports.generate(session, report_type="large-value", day=day,
                                      file_format="csv", actor_id=None, now=clock.now())
    return list(csv.DictReader(io.StringIO(made.content)))


async def test_logins_from_a_new_device_and_repeated_failures(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock,
) -> None:
    phone = unique_phone()
    await make_user(db, now=clock.now(), phone=phone)
    await login_headers_with_device(client, phone, "device-aaaaaaaa")
    await login_headers_with_device(client, phone, "device-aaaaaaaa")
    await deliver_events(db, now=clock.now())
    assert await _alerts(db, "login_new_device") == []
    await login_headers_with_device(client, phone, "device-bbbbbbbb")
    for _ in range(3):
        response = await client.post("/api/v1/auth/login", json={
            "login": phone, "password": "wrong-pass-123", "device_id": "device-cccccccc"})
        assert response.status_code in (401, 429)
    await deliver_events(db, now=clock.now())
    assert len(await _alerts(db, "login_new_device")) == 1
    [failures] = await _alerts(db, "login_failures")
    assert failures.factors[0]["count"] == 3


async def login_headers_with_device(client: httpx.AsyncClient, login: str, device: str) -> None:
    response = await client.post("/api/v1/auth/login", json={
        "login": login, "password": "Secret-pass-123", "device_id": device})
    assert response.status_code == 200, response.text


async def test_many_users_on_one_device(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock,
) -> None:
    for _ in range(3):
        phone = unique_phone()
        await make_user(db, now=clock.now(), phone=phone, verified=False)
        await login_headers_with_device(client, phone, "shared-device-1")
        await deliver_events(db, now=clock.now())
    [alert] = await _alerts(db, "shared_device")
    assert alert.factors[0]["users"] == 3


async def test_one_card_bound_by_two_users(db: Database, clock: FrozenClock) -> None:
    await make_user(db, now=clock.now(), bank_card_number="6222020000000000018")
    assert await _alerts(db, "shared_card") == []
    await make_user(db, now=clock.now(), bank_card_number="6222020000000000018",
                    real_name="李四")
    assert len(await _alerts(db, "shared_card")) == 1


async def test_verification_screens_the_name(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as session:
        await screening.load_entries(session, [
            {"list_name": "sanctions", "external_id": "S-1", "name": "張三",
             "category": "sanction"}], actor_id=None, now=clock.now())
    listed = await make_user(db, now=clock.now(), real_name="张三")
    clear = await make_user(db, now=clock.now(), real_name="张山")
    async with db.transaction(readonly=True) as session:
        found = {row.user_id: row.status for row in (await session.scalars(
            select(RiskScreening))).all()}
    assert found == {listed: "hit", clear: "clear"}
    [alert] = await _alerts(db, "hold_watchlist")
    assert alert.user_id == listed and alert.severity == "critical"
