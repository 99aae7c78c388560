"""The payment package's daily jobs, run through the scheduler."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from finplat.core import scheduler
from finplat.core.db import Database
from finplat.payment import jobs
from finplat.payment.models import PaymentReconciliationReport
from finplat.payment.simulator import SimulatedChannel
from tests.integration.payment.helpers import deposit

DAY = date(2026, 3, 2)


def _job(name: str) -> scheduler.Job:
    return next(job for job in scheduler.registry.ordered() if job.name == name)


async def test_the_daily_job_reconciles_the_previous_day(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
    clock: Any,
) -> None:
    await deposit(client, investor["headers"], 8_000)
    await bank.deliver_pending(post_callback)
    clock.advance(timedelta(days=1))
    outcome = await scheduler.run_job(
        db, _job(jobs.JOB_NAME), day=DAY + timedelta(days=1), clock=clock
    )
    assert outcome.status == "done"
    async with db.transaction(readonly=True) as session:
        reports = (await session.scalars(select(PaymentReconciliationReport))).all()
    assert {(r.channel, r.business_date, r.status, r.matched_count) for r in reports} == {
        ("bank", DAY, "matched", 1),
        ("thirdparty", DAY, "matched", 0),
    }
    # Done once per business date: a second run does nothing.
    again = await scheduler.run_job(
        db, _job(jobs.JOB_NAME), day=DAY + timedelta(days=1), clock=clock
    )
    assert again.status == "skipped"
