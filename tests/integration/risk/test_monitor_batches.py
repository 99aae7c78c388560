"""``Monitor.evaluate`` on batches, as a replay runs it: many customers' alerts raised and
repeated in one batch (each new alert's event names its own alert), snoozed rules silent for
their customer only, a redelivered batch not evaluated twice, devices shared across batches."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.events.models import OutboxEvent
from finplat.risk import rules
from finplat.risk.evaluators import Activity
from finplat.risk.handlers import activity
from finplat.risk.models import RiskActivity, RiskAlert, RiskLink
from finplat.risk.monitoring import Monitor


def _deposit(user_id: int, number: int, at: datetime, amount_minor: int = 10_000) -> Activity:
    return activity(source=f"deposit:{user_id}-{number}", user_id=user_id, kind="deposit",
                    direction="in", amount_minor=amount_minor, currency="CNY",
                    at=at + timedelta(minutes=number), channel="bank",
                    counterparty="channel:bank", reference=f"deposit:{user_id}-{number}")


def _login(user_id: int, number: int, device: str, at: datetime) -> Activity:
    return activity(source=f"login:{user_id}-{number}", user_id=user_id, kind="login",
                    direction="none", amount_minor=0, currency="CNY",
                    at=at + timedelta(minutes=number), device=device)


async def _evaluate(db: Database, monitor: Monitor, batch: list[Activity],
                    now: datetime) -> list[Any]:
    async with db.transaction() as session:
        return await monitor.evaluate(session, batch, now=now)


async def _alerts(db: Database) -> dict[tuple[str, int], RiskAlert]:
    async with db.transaction(readonly=True) as session:
        return {(a.rule_code, a.user_id): a
                for a in (await session.scalars(select(RiskAlert))).all()}


async def test_a_batch_raises_and_repeats_many_customers_alerts(db: Database,
                                                                clock: FrozenClock) -> None:
    now, monitor = clock.now(), Monitor()
    # Three deposits each for customers 1..40 (velocity_day), two for 41 (quiet).
    batch = [_deposit(user, n, now) for user in range(1, 41) for n in range(3)]
    batch += [_deposit(41, n, now) for n in range(2)]
    hits = await _evaluate(db, monitor, batch, now)
    assert sorted(hit.user_id for hit in hits if hit.rule.code == "velocity_day") == list(
        range(1, 41))
    alerts = await _alerts(db)
    assert {user for code, user in alerts if code == "velocity_day"} == set(range(1, 41))
    async with db.transaction(readonly=True) as session:
        raised = (await session.scalars(select(OutboxEvent.payload).where(
            OutboxEvent.topic == "risk.alert_raised"))).all()
    # Each new alert's event names that alert (its id came back from the insert).
    by_id = {alert.id: alert for alert in alerts.values()}
    assert len(raised) == len(alerts)
    for payload in raised:
        alert = by_id[payload["alert_id"]]
        assert (alert.user_id, alert.rule_code) == (payload["user_id"], payload["rule_code"])
    # A fourth deposit the same day repeats the alerts of 1..20 and raises 41's.
    more = [_deposit(user, 3, now) for user in [*range(1, 21), 41]]
    await _evaluate(db, monitor, more, now)
    alerts = await _alerts(db)
    assert [alerts[("velocity_day", user)].occurrences for user in (1, 20, 21, 41)] == [
        2, 2, 1, 1]
    assert alerts[("velocity_day", 1)].factors[0]["count"] == 4


async def test_a_snoozed_rule_is_silent_for_its_customer_only(db: Database,
                                                               clock: FrozenClock) -> None:
    now = clock.now()
    async with db.transaction() as session:
        await rules.snooze(session, code="velocity_day", user_id=1, until_at=now + timedelta(
            days=1), reason="payroll", actor_id=99, now=now)
    batch = [_deposit(user, n, now) for user in (1, 2) for n in range(3)]
    hits = await _evaluate(db, Monitor(), batch, now)
    assert {(hit.rule.code, hit.user_id) for hit in hits} == {("velocity_day", 2)}
    assert set(await _alerts(db)) == {("velocity_day", 2)}


async def test_a_redelivered_batch_is_not_evaluated_twice(db: Database,
                                                           clock: FrozenClock) -> None:
    now = clock.now()
    batch = [_deposit(1, n, now) for n in range(3)]
    assert len(await _evaluate(db, Monitor(), batch, now)) == 1
    assert await _evaluate(db, Monitor(), batch, now) == []
    partly = [*batch, _deposit(1, 3, now)]  # one new among three seen
    [hit] = await _evaluate(db, Monitor(), partly, now)
    assert hit.factors[0]["count"] == 4
    async with db.transaction(readonly=True) as session:
        assert await session.scalar(select(func.count()).select_from(RiskActivity)) == 4
    assert (await _alerts(db))[("velocity_day", 1)].occurrences == 2


async def test_users_on_one_device_are_linked_across_batches(db: Database,
                                                              clock: FrozenClock) -> None:
    now = clock.now()
    await _evaluate(db, Monitor(), [_login(1, 0, "dev-x", now), _login(1, 1, "dev-x", now),
                                    _login(2, 0, "dev-x", now)], now)
    assert await _alerts(db) == {}
    # A new process (nothing in memory) learns the device's users from the table.
    [hit] = await _evaluate(db, Monitor(), [_login(3, 0, "dev-x", now)], now)
    assert hit.rule.code == "shared_device" and hit.factors[0]["other_user_ids"] == [1, 2]
    async with db.transaction(readonly=True) as session:
        links = (await session.execute(select(RiskLink.kind, RiskLink.fingerprint,
                                              RiskLink.user_id).order_by(RiskLink.user_id))).all()
    assert [tuple(link) for link in links] == [("device", "dev-x", user) for user in (1, 2, 3)]
