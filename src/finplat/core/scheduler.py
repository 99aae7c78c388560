"""The business day's jobs: registered once, run in order, at most once per (job, business date).

A job is ``async def fn(*, db, business_date, now, checkpoint) -> None`` registered with
``register_job(name, fn, order=...)``. Its run for a business date is one ``core_job_run`` row:
``done`` runs are never repeated; a ``failed`` run, or a ``running`` one whose lease has passed
(its process died), is resumed on the next tick with the state it last saved through
``checkpoint``. A job that works in chunks saves its position with
``await checkpoint.save({...}, session=session)`` in the chunk's own transaction, so the chunk and
the position commit together and a resumed run neither skips nor repeats one.

This module imports no domain package; ``finplat.runtime`` imports each package's ``jobs``
module, which registers its jobs at import time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import Clock
from finplat.core.clock import business_date as business_date_of
from finplat.core.db import Database
from finplat.core.scheduler_models import JobRun

log = logging.getLogger(__name__)

RUNNING, DONE, FAILED = "running", "done", "failed"
MAX_ATTEMPTS = 10
DEFAULT_LEASE = timedelta(minutes=15)
_MAX_ERROR_CHARS = 2_000

JOB_RUNS = Counter("finplat_scheduler_job_runs_total", "Scheduled job runs, by job and outcome.",
                   ["job", "outcome"])


class JobFn(Protocol):
    def __call__(self, *, db: Database, business_date: date, now: datetime,
                 checkpoint: Checkpoint) -> Awaitable[None]: ...


@dataclass(frozen=True)
class Job:
    name: str
    fn: JobFn
    order: int


class JobLeaseLost(RuntimeError):
    """Another scheduler took this run over (our lease passed); the job must stop."""


class JobRegistry:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def register(self, name: str, fn: JobFn, *, order: int = 100) -> None:
        """Add a daily job; raises ``ValueError`` if ``name`` is taken by another function."""
        if not name or len(name) > 64:
            raise ValueError("a job name has 1 to 64 characters")
        existing = self._jobs.get(name)
        if existing is not None and (existing.fn is not fn or existing.order != order):
            raise ValueError(f"a job named {name!r} is already registered")
        self._jobs[name] = Job(name=name, fn=fn, order=order)

    def ordered(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda job: (job.order, job.name))


# The process-wide registry that ``finplat scheduler`` and the embedded runtime run.
registry = JobRegistry()


def register_job(name: str, fn: JobFn, *, order: int = 100) -> None:
    """Register ``fn`` as the daily job ``name``; lower ``order`` runs first."""
    registry.register(name, fn, order=order)


class Checkpoint:
    """A run's saved progress: ``state`` as last saved; ``save`` (or calling it) saves more."""

    def __init__(self, db: Database, *, run_id: int, attempt: int, state: dict[str, Any],
                 clock: Clock, lease: timedelta) -> None:
        self._db, self._run_id, self._attempt = db, run_id, attempt
        self._state = dict(state)
        self._clock, self._lease = clock, lease

    @property
    def state(self) -> dict[str, Any]:
        return dict(self._state)

    async def save(self, state: dict[str, Any], *, session: AsyncSession | None = None) -> None:
        """Store ``state`` (JSON) and extend the lease; in ``session``'s transaction if given.

        Raises ``JobLeaseLost`` when another scheduler has taken the run over.
        """
        async def work(s: AsyncSession) -> None:
            result = await s.execute(
                update(JobRun)
                .where(JobRun.id == self._run_id, JobRun.attempts == self._attempt,
                       JobRun.status == RUNNING)
                .values(checkpoint=dict(state), lease_expires_at=self._clock.now() + self._lease))
            if getattr(result, "rowcount", 1) == 0:
                raise JobLeaseLost(f"job run {self._run_id} was taken over")

        if session is not None:
            await work(session)
        else:
            await self._db.run(work)
        self._state = dict(state)

    async def __call__(self, state: dict[str, Any], *, session: AsyncSession | None = None) -> None:
        await self.save(state, session=session)


@dataclass
class JobOutcome:
    job: str
    status: str  # done | failed | skipped (done earlier or running elsewhere) | gave_up
    attempts: int = 0
    error: str | None = None


@dataclass
class DayReport:
    business_date: date
    outcomes: list[JobOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.status in (DONE, "skipped") for o in self.outcomes)


@dataclass
class _Claim:
    run_id: int
    attempt: int
    checkpoint: dict[str, Any]


async def _claim(session: AsyncSession, *, job: str, day: date, now: datetime,
                 lease: timedelta) -> _Claim | JobOutcome:
    run = (await session.scalars(
        select(JobRun).where(JobRun.job_name == job, JobRun.business_date == day)
        .with_for_update())).one_or_none()
    if run is None:
        run = JobRun(job_name=job, business_date=day, status=RUNNING, checkpoint={}, attempts=1,
                     started_at=now, lease_expires_at=now + lease)
        session.add(run)
        await session.flush()
        return _Claim(run_id=run.id, attempt=1, checkpoint={})
    if run.status == DONE:
        return JobOutcome(job, "skipped", run.attempts)
    if run.status == RUNNING and run.lease_expires_at is not None and run.lease_expires_at > now:
        return JobOutcome(job, "skipped", run.attempts)
    if run.attempts >= MAX_ATTEMPTS:
        return JobOutcome(job, "gave_up", run.attempts, run.last_error)
    run.attempts += 1
    run.status, run.lease_expires_at = RUNNING, now + lease
    return _Claim(run_id=run.id, attempt=run.attempts, checkpoint=dict(run.checkpoint or {}))


async def _finish(db: Database, claim: _Claim, *, status: str, now: datetime,
                  error: str | None) -> None:
    async def work(session: AsyncSession) -> None:
        await session.execute(
            update(JobRun).where(JobRun.id == claim.run_id, JobRun.attempts == claim.attempt)
            .values(status=status, last_error=error, lease_expires_at=None,
                    finished_at=now if status == DONE else None))

    await db.run(work)


async def run_job(db: Database, job: Job, *, day: date, clock: Clock,
                  lease: timedelta = DEFAULT_LEASE) -> JobOutcome:
    """Run (or resume) one job for one business date unless it is done or running elsewhere."""
    now = clock.now()
    try:
        claimed = await db.run(lambda s: _claim(s, job=job.name, day=day, now=now, lease=lease))
    except IntegrityError:
        # Another scheduler inserted the run between our read and our insert.
        return JobOutcome(job.name, "skipped")
    if isinstance(claimed, JobOutcome):
        return claimed
    checkpoint = Checkpoint(db, run_id=claimed.run_id, attempt=claimed.attempt,
                            state=claimed.checkpoint, clock=clock, lease=lease)
    log.info("job started", extra={"job": job.name, "business_date": day.isoformat(),
                                   "attempt": claimed.attempt})
    try:
        await job.fn(db=db, business_date=day, now=now, checkpoint=checkpoint)
    except JobLeaseLost:
        JOB_RUNS.labels(job.name, "lease_lost").inc()
        return JobOutcome(job.name, "skipped", claimed.attempt, "lease lost")
    except Exception as error:
        message = f"{type(error).__name__}: {error}"[:_MAX_ERROR_CHARS]
        log.exception("job failed", extra={"job": job.name, "business_date": day.isoformat()})
        await _finish(db, claimed, status=FAILED, now=clock.now(), error=message)
        JOB_RUNS.labels(job.name, FAILED).inc()
        return JobOutcome(job.name, FAILED, claimed.attempt, message)
    await _finish(db, claimed, status=DONE, now=clock.now(), error=None)
    JOB_RUNS.labels(job.name, DONE).inc()
    log.info("job done", extra={"job": job.name, "business_date": day.isoformat()})
    return JobOutcome(job.name, DONE, claimed.attempt)


async def run_day(db: Database, *, clock: Clock, day: date | None = None,
                  jobs: JobRegistry | None = None, lease: timedelta = DEFAULT_LEASE) -> DayReport:
    """Run the jobs of business date ``day`` (default: today in Asia/Shanghai) in order.

    Stops at the first job that fails, since later jobs may build on it; the next call resumes
    there. Raises only what the database raises.
    """
    day = day or business_date_of(clock.now())
    report = DayReport(business_date=day)
    for job in (jobs if jobs is not None else registry).ordered():
        outcome = await run_job(db, job, day=day, clock=clock, lease=lease)
        report.outcomes.append(outcome)
        if outcome.status in (FAILED, "gave_up"):
            break
    return report


async def reset_attempts(db: Database, *, day: date, job: str | None = None) -> int:
    """Let runs that gave up after ``MAX_ATTEMPTS`` try again; returns how many were reset."""
    async def work(session: AsyncSession) -> int:
        query = update(JobRun).where(JobRun.business_date == day, JobRun.status == FAILED)
        if job is not None:
            query = query.where(JobRun.job_name == job)
        result = await session.execute(query.values(attempts=0))
        return int(getattr(result, "rowcount", 0) or 0)

    return await db.run(work)


def _run_view(run: JobRun) -> dict[str, Any]:
    def instant(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {"job": run.job_name, "business_date": run.business_date.isoformat(),
            "status": run.status, "attempts": run.attempts, "last_error": run.last_error,
            "started_at": instant(run.started_at), "finished_at": instant(run.finished_at),
            "lease_expires_at": instant(run.lease_expires_at)}


async def runs_of(db: Database, *, day: date) -> list[dict[str, Any]]:
    """The runs recorded for business date ``day``, by job name."""
    async with db.transaction(readonly=True) as session:
        rows = await session.scalars(select(JobRun).where(JobRun.business_date == day)
                                     .order_by(JobRun.job_name))
        return [_run_view(row) for row in rows]


async def retry_failed(db: Database, *, job: Job, day: date, clock: Clock) -> JobOutcome | None:
    """Run a failed job of ``day`` again now, with a fresh round of attempts; None when its run
    for that day is not ``failed`` (done, running, or never started: nothing to retry)."""
    async def failed(session: AsyncSession) -> bool:
        run = await session.scalar(select(JobRun).where(
            JobRun.job_name == job.name, JobRun.business_date == day).with_for_update())
        if run is None or run.status != FAILED:
            return False
        run.attempts = 0
        return True

    if not await db.run(failed):
        return None
    return await run_job(db, job, day=day, clock=clock)


async def run_forever(db: Database, *, clock: Clock, stop: asyncio.Event,
                      interval_seconds: float = 60.0, jobs: JobRegistry | None = None,
                      on_error: Callable[[BaseException], None] | None = None) -> None:
    """Tick every ``interval_seconds`` until ``stop`` is set: run today's jobs that are due."""
    while not stop.is_set():
        try:
            await run_day(db, clock=clock, jobs=jobs)
        except Exception as error:
            # A database outage must not kill the loop; the next tick tries again.
            log.exception("scheduler tick failed")
            if on_error is not None:
                on_error(error)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
        except TimeoutError:
            continue
