import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from finplat.core import scheduler
from finplat.core.clock import FrozenClock
from finplat.core.scheduler import Checkpoint, JobRegistry
from finplat.core.scheduler_models import JobRun
from tests.outbox import stored_event

DAY = date(2026, 3, 2)


async def _runs(db) -> list[tuple[str, date, str, int]]:
    async with db.transaction(readonly=True) as session:
        rows = await session.scalars(select(JobRun).order_by(JobRun.job_name, JobRun.business_date))
        return [(r.job_name, r.business_date, r.status, r.attempts) for r in rows]


async def test_jobs_run_in_order_once_per_business_date(db, clock) -> None:
    jobs = JobRegistry()
    calls: list[tuple[str, date]] = []

    def job(name: str):
        async def run(*, db, business_date, now, checkpoint: Checkpoint) -> None:
            assert now == clock.now()
            calls.append((name, business_date))
        return run

    jobs.register("reconcile", job("reconcile"), order=30)
    jobs.register("accrue", job("accrue"), order=10)
    jobs.register("mature", job("mature"), order=20)
    report = await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert report.business_date == DAY and report.ok  # 02:00Z is 10:00 in Shanghai
    assert calls == [("accrue", DAY), ("mature", DAY), ("reconcile", DAY)]

    again = await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert [o.status for o in again.outcomes] == ["skipped"] * 3
    assert len(calls) == 3

    # 16:00Z is already the next business day in Shanghai.
    clock.set(clock.now().replace(hour=16))
    await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert calls[3:] == [("accrue", date(2026, 3, 3)), ("mature", date(2026, 3, 3)),
                         ("reconcile", date(2026, 3, 3))]
    assert {r[2:] for r in await _runs(db)} == {("done", 1)}


async def test_a_crashed_job_resumes_from_its_checkpoint(db, clock) -> None:
    jobs = JobRegistry()
    processed: list[int] = []
    crash_at = {"item": 5}

    async def process(*, db, business_date, now, checkpoint: Checkpoint) -> None:
        start = checkpoint.state.get("next_item", 0)
        for item in range(start, 8):
            if item == crash_at["item"]:
                raise RuntimeError("channel timed out")
            processed.append(item)
            await checkpoint({"next_item": item + 1})

    later: list[date] = []

    async def after(*, db, business_date, now, checkpoint) -> None:
        later.append(business_date)

    jobs.register("process", process, order=1)
    jobs.register("after", after, order=2)
    report = await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert [(o.job, o.status) for o in report.outcomes] == [("process", "failed")]
    assert report.outcomes[0].error == "RuntimeError: channel timed out"
    assert processed == [0, 1, 2, 3, 4] and later == []

    crash_at["item"] = None
    report = await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert report.ok
    assert processed == [0, 1, 2, 3, 4, 5, 6, 7]  # nothing done twice
    assert later == [DAY]
    assert sorted(await _runs(db)) == [("after", DAY, "done", 1), ("process", DAY, "done", 2)]


async def test_checkpoint_saved_in_the_chunk_transaction_commits_with_it(db, clock) -> None:
    from finplat.events.models import OutboxEvent

    jobs = JobRegistry()
    fail = {"after_chunks": 2}

    async def chunks(*, db, business_date, now, checkpoint: Checkpoint) -> None:
        for chunk in range(checkpoint.state.get("chunk", 0), 4):
            if chunk == fail["after_chunks"]:
                fail["after_chunks"] = None
                # The chunk's work and its checkpoint are rolled back together.
                async def doomed(session, chunk=chunk):
                    await stored_event(session, topic="test.chunk",
                                                 payload={"chunk": chunk}, now=now)
                    await checkpoint.save({"chunk": chunk + 1}, session=session)
                    raise RuntimeError("crash mid-chunk")
                await db.run(doomed)

            async def work(session, chunk=chunk):
                await stored_event(session, topic="test.chunk",
                                             payload={"chunk": chunk}, now=now)
                await checkpoint.save({"chunk": chunk + 1}, session=session)
            await db.run(work)

    jobs.register("chunks", chunks)
    assert not (await scheduler.run_day(db, clock=clock, jobs=jobs)).ok
    assert (await scheduler.run_day(db, clock=clock, jobs=jobs)).ok
    async with db.transaction(readonly=True) as session:
        rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        assert [e.payload["chunk"] for e in rows] == [0, 1, 2, 3]


async def test_a_run_whose_process_died_is_resumed_after_its_lease(db, clock) -> None:
    jobs = JobRegistry()
    seen: list[dict] = []

    async def job(*, db, business_date, now, checkpoint: Checkpoint) -> None:
        seen.append(checkpoint.state)

    jobs.register("job", job)
    # A run left "running" by a dead process, with saved progress.
    async with db.transaction() as session:
        session.add(JobRun(job_name="job", business_date=DAY, status="running",
                           checkpoint={"cursor": 41}, attempts=1, started_at=clock.now(),
                           lease_expires_at=clock.now() + timedelta(minutes=15)))
    report = await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert [o.status for o in report.outcomes] == ["skipped"] and seen == []
    clock.advance(timedelta(minutes=16))
    report = await scheduler.run_day(db, clock=clock, jobs=jobs, day=DAY)
    assert [o.status for o in report.outcomes] == ["done"]
    assert seen == [{"cursor": 41}]


async def test_a_taken_over_run_cannot_save_over_the_new_one(db, clock) -> None:
    jobs = JobRegistry()

    async def job(*, db, business_date, now, checkpoint: Checkpoint) -> None:
        async with db.transaction() as session:
            await session.execute(update(JobRun).values(attempts=JobRun.attempts + 1))
        await checkpoint.save({"late": True})

    jobs.register("job", job)
    report = await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert report.outcomes[0].error == "lease lost"
    async with db.transaction(readonly=True) as session:
        run = (await session.scalars(select(JobRun))).one()
    assert run.checkpoint == {}


async def test_attempts_are_bounded_and_can_be_reset(db, clock) -> None:
    jobs = JobRegistry()
    calls: list[int] = []

    async def broken(*, db, business_date, now, checkpoint) -> None:
        calls.append(1)
        raise ValueError("still broken")

    jobs.register("broken", broken)
    for _ in range(scheduler.MAX_ATTEMPTS + 2):
        await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert len(calls) == scheduler.MAX_ATTEMPTS
    report = await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert report.outcomes[0].status == "gave_up" and not report.ok
    assert await scheduler.reset_attempts(db, day=DAY) == 1
    await scheduler.run_day(db, clock=clock, jobs=jobs)
    assert len(calls) == scheduler.MAX_ATTEMPTS + 1


async def test_two_schedulers_racing_run_a_job_once(db, clock) -> None:
    jobs = JobRegistry()
    calls: list[date] = []

    async def slow(*, db, business_date, now, checkpoint) -> None:
        calls.append(business_date)
        await asyncio.sleep(0.05)

    jobs.register("slow", slow)
    reports = await asyncio.gather(*(scheduler.run_day(db, clock=FrozenClock(clock.now()),
                                                       jobs=jobs) for _ in range(3)))
    assert calls == [DAY]
    assert sorted(r.outcomes[0].status for r in reports) == ["done", "skipped", "skipped"]


def test_registry_refuses_a_second_function_under_one_name() -> None:
    jobs = JobRegistry()

    async def a(**_): ...
    async def b(**_): ...

    jobs.register("a", a, order=1)
    jobs.register("a", a, order=1)
    with pytest.raises(ValueError):
        jobs.register("a", b, order=1)
    with pytest.raises(ValueError):
        jobs.register("", a)
