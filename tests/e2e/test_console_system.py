"""The system console: scheduled jobs per business date with retry of a failed one, failed and
dead event deliveries with retry, role checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from finplat.audit.models import AuditRecord
from finplat.core import scheduler
from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.events.models import EventDelivery, OutboxEvent
from tests.factories import bearer_for, make_staff


@pytest.fixture
async def admin(app: FastAPI, db: Database, clock: FrozenClock) -> dict[str, str]:
    staff_id, *_ = await make_staff(db, now=clock.now(), role="admin")
    return bearer_for(app, staff_id)


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> scheduler.JobRegistry:
    registry = scheduler.JobRegistry()
    monkeypatch.setattr(scheduler, "registry", registry)
    return registry


async def test_a_failed_job_is_shown_for_its_day_and_retried(
    client: httpx.AsyncClient, app: FastAPI, db: Database, clock: FrozenClock,
    admin: dict[str, str], jobs: scheduler.JobRegistry,
) -> None:
    calls: list[date] = []

    async def flaky(*, db: Database, business_date: date, now: datetime, checkpoint: Any) -> None:
        calls.append(business_date)
        if len(calls) == 1:
            raise RuntimeError("statement file missing")

    async def later(**_: Any) -> None:
        return None

    jobs.register("test.flaky", flaky, order=1)
    jobs.register("test.later", later, order=2)
    day = date(2026, 11, 30)
    report = await scheduler.run_day(db, clock=clock, day=day, jobs=jobs)
    assert not report.ok
    shown = (await client.get(f"/api/v1/admin/system/scheduler?date={day}",
                              headers=admin)).json()
    # The packages' own jobs may join the registry when it loads them; ours come first.
    assert [(j["job"], j["status"]) for j in shown["jobs"]][:2] == [
        ("test.flaky", "failed"), ("test.later", "not_run")]
    assert "statement file missing" in shown["jobs"][0]["last_error"]
    retried = await client.post("/api/v1/admin/system/scheduler/jobs/test.flaky/retry",
                                json={"business_date": str(day)}, headers=admin)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "done" and calls == [day, day]
    again = await client.post("/api/v1/admin/system/scheduler/jobs/test.flaky/retry",
                              json={"business_date": str(day)}, headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "system.job_not_failed"
    unknown = await client.post("/api/v1/admin/system/scheduler/jobs/nothing/retry",
                                json={"business_date": str(day)}, headers=admin)
    assert unknown.status_code == 404 and unknown.json()["code"] == "system.job_not_found"
    async with db.transaction(readonly=True) as session:
        [record] = await session.scalars(select(AuditRecord)
                                         .where(AuditRecord.action == "system.job_retried"))
    assert record.target_id == "test.flaky" and record.summary["outcome"] == "done"
    auditor_id, *_ = await make_staff(db, now=clock.now(), role="auditor")
    auditor = bearer_for(app, auditor_id)
    assert (await client.get("/api/v1/admin/system/scheduler", headers=auditor)).status_code == 200
    refused = await client.post("/api/v1/admin/system/scheduler/jobs/test.flaky/retry",
                                json={"business_date": str(day)}, headers=auditor)
    assert refused.status_code == 403


async def _delivery(db: Database, now: datetime, *, status: str, handler: str) -> int:
    async def work(session: Any) -> int:
        event = OutboxEvent(topic="test.happened", version=1, payload={"n": 1}, created_at=now,
                            dispatched_at=now)
        session.add(event)
        await session.flush()
        delivery = EventDelivery(event_id=event.id, handler=handler, status=status, attempts=8,
                                 last_error="ValueError: boom", updated_at=now)
        session.add(delivery)
        await session.flush()
        return delivery.id

    return await db.run(work)


async def test_failed_and_dead_deliveries_listed_and_retried(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock, admin: dict[str, str],
) -> None:
    now = clock.now()
    dead = await _delivery(db, now, status="dead", handler="test.a")
    failed = await _delivery(db, now, status="failed", handler="test.b")
    done = await _delivery(db, now, status="done", handler="test.c")
    listed = (await client.get("/api/v1/admin/system/events/failures",
                               headers=admin)).json()["items"]
    assert [(d["id"], d["status"]) for d in listed] == [(failed, "failed"), (dead, "dead")]
    assert listed[1]["topic"] == "test.happened" and listed[1]["last_error"] == "ValueError: boom"
    only_dead = (await client.get("/api/v1/admin/system/events/failures?status=dead",
                                  headers=admin)).json()["items"]
    assert [d["id"] for d in only_dead] == [dead]
    status = (await client.get("/api/v1/admin/system/events/status", headers=admin)).json()
    assert status["deliveries"] == {"dead": 1, "failed": 1, "done": 1}
    retried = await client.post(f"/api/v1/admin/system/events/failures/{dead}/retry",
                                headers=admin)
    assert retried.status_code == 200 and retried.json()["status"] == "failed"
    async with db.transaction(readonly=True) as session:
        revived = await session.get(EventDelivery, dead)
        assert revived is not None and revived.attempts == 0
        event = await session.get(OutboxEvent, revived.event_id)
        assert event is not None and event.dispatched_at is None
    refused = await client.post(f"/api/v1/admin/system/events/failures/{done}/retry",
                                headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "events.delivery_not_failed"
    missing = await client.post("/api/v1/admin/system/events/failures/99999/retry",
                                headers=admin)
    assert missing.status_code == 404


async def test_two_retries_at_once_run_the_failed_job_once(
    app: FastAPI, db: Database, clock: FrozenClock, jobs: scheduler.JobRegistry,
) -> None:
    import asyncio

    from finplat.core.errors import Conflict
    from finplat.system import service

    calls: list[date] = []

    async def flaky(*, db: Database, business_date: date, now: datetime, checkpoint: Any) -> None:
        calls.append(business_date)
        await asyncio.sleep(0.05)  # still running when the other retry arrives
        if len(calls) == 1:
            raise RuntimeError("first run fails")

    jobs.register("test.once", flaky, order=1)
    day = date(2026, 11, 29)
    await scheduler.run_day(db, clock=clock, day=day, jobs=jobs)
    admin_id, *_ = await make_staff(db, now=clock.now(), role="admin")
    results = await asyncio.gather(
        *(service.retry_job(db, name="test.once", day=day, clock=clock, actor_id=admin_id)
          for _ in range(2)), return_exceptions=True)
    assert calls == [day, day]  # the first run and exactly one retry
    statuses = sorted(r["status"] if isinstance(r, dict) else type(r).__name__ for r in results)
    assert "done" in statuses
    assert all(s in ("done", "skipped", "Conflict") for s in statuses), statuses
    assert not any(isinstance(r, Exception) and not isinstance(r, Conflict) for r in results)
