"""The system console's use cases over the scheduler (``core.scheduler``) and the outbox."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core import scheduler
from finplat.core.clock import Clock
from finplat.core.db import Database
from finplat.core.errors import Conflict, NotFound

NOT_RUN = "not_run"


def _registered() -> list[scheduler.Job]:
    # The jobs are registered when each package's ``jobs`` module is imported.
    from finplat import runtime

    runtime.load_package_modules()
    return scheduler.registry.ordered()


async def scheduler_day(db: Database, *, day: date) -> dict[str, Any]:
    """Every registered job (in run order) with its run for ``day``, ``not_run`` when it has
    none yet; runs of jobs no longer registered are listed after them."""
    runs = {run["job"]: run for run in await scheduler.runs_of(db, day=day)}
    jobs = []
    for job in _registered():
        run = runs.pop(job.name, None) or {
            "job": job.name, "business_date": day.isoformat(), "status": NOT_RUN, "attempts": 0,
            "last_error": None, "started_at": None, "finished_at": None,
            "lease_expires_at": None}
        jobs.append({**run, "order": job.order})
    jobs.extend({**run, "order": None} for run in runs.values())
    return {"business_date": day.isoformat(), "jobs": jobs}


async def retry_job(db: Database, *, name: str, day: date, clock: Clock,
                    actor_id: int) -> dict[str, Any]:
    """Run a failed job of ``day`` again now (audited ``system.job_retried``); returns its
    outcome. Raises ``NotFound('system.job_not_found')`` and
    ``Conflict('system.job_not_failed')``."""
    job = next((job for job in _registered() if job.name == name), None)
    if job is None:
        raise NotFound("system.job_not_found", "no such job")

    outcome = await scheduler.retry_failed(db, job=job, day=day, clock=clock)
    if outcome is None:
        raise Conflict("system.job_not_failed", "only a failed run can be retried")

    async def audit(session: AsyncSession) -> None:
        await audit_service.record(
            session, action="system.job_retried", target_type="job", target_id=name,
            now=clock.now(), actor_id=actor_id,
            summary={"business_date": day.isoformat(), "outcome": outcome.status})

    # After the run: the job commits its own work, so the record says how the retry ended.
    await db.run(audit)
    return {"job": outcome.job, "business_date": day.isoformat(), "status": outcome.status,
            "attempts": outcome.attempts, "error": outcome.error}
