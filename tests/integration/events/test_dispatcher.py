import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from finplat.events import dispatcher
from finplat.events.dispatcher import Event, RetryPolicy
from finplat.events.models import EventDelivery, OutboxEvent
from tests.outbox import stored_event


async def _publish(db, clock, topic: str, count: int = 1) -> list[int]:
    async def work(session):
        return [await stored_event(session, topic=topic, payload={"n": n}, now=clock.now())
                for n in range(count)]

    return await db.run(work)


def _echo(calls: list[int], topic: str = "test.echo"):
    async def handle(session, event: Event) -> None:
        calls.append(event.id)
        await stored_event(session, topic=topic, payload={"of": event.id}, now=event.created_at)

    return handle


async def _echoes(db) -> list[int]:
    async with db.transaction(readonly=True) as session:
        rows = await session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "test.echo"))
        return sorted(e.payload["of"] for e in rows)


async def _deliveries(db) -> list[tuple[int, str, str, int]]:
    async with db.transaction(readonly=True) as session:
        rows = await session.scalars(select(EventDelivery).order_by(EventDelivery.event_id))
        return [(d.event_id, d.handler, d.status, d.attempts) for d in rows]


async def test_delivers_in_id_order_once_and_marks_dispatched(db, clock, registry) -> None:
    calls: list[int] = []
    registry.register("test.happened", "test.echo", _echo(calls))
    ids = await _publish(db, clock, "test.happened", 5)
    first = await dispatcher.dispatch_pending(db, now=clock.now(), batch_size=3, registry=registry)
    assert first.event_ids == ids[:3] and first.delivered == 3
    second = await dispatcher.dispatch_pending(db, now=clock.now(), batch_size=3, registry=registry)
    # The echoes have no handler: they are settled as soon as they are seen.
    assert second.event_ids[:2] == ids[3:] and second.delivered == 2
    while (await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)).events:
        pass
    assert calls == ids and await _echoes(db) == ids
    assert [(d[2], d[3]) for d in await _deliveries(db)] == [("done", 1)] * 5
    async with db.transaction(readonly=True) as session:
        undispatched = await session.scalar(select(func.count()).select_from(OutboxEvent)
                                            .where(OutboxEvent.dispatched_at.is_(None)))
    assert undispatched == 0
    assert (await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)).events == 0


async def test_crash_between_handler_and_commit_redelivers(db, clock, registry,
                                                           monkeypatch) -> None:
    calls: list[int] = []
    registry.register("test.happened", "test.echo", _echo(calls))
    (event_id,) = await _publish(db, clock, "test.happened")

    class Crash(BaseException):
        """Stands for the process dying after the handler ran, before the commit."""

    original_deliver = dispatcher._deliver

    async def deliver_then_crash(session, **kwargs):
        await original_deliver(session, **kwargs)
        raise Crash

    monkeypatch.setattr(dispatcher, "_deliver", deliver_then_crash)
    with pytest.raises(Crash):
        await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)
    assert calls == [event_id]
    assert await _echoes(db) == [] and await _deliveries(db) == []

    monkeypatch.setattr(dispatcher, "_deliver", original_deliver)
    report = await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)
    assert report.delivered == 1
    assert calls == [event_id, event_id]
    assert await _echoes(db) == [event_id]
    assert await _deliveries(db) == [(event_id, "test.echo", "done", 1)]


async def test_failed_handler_is_rolled_back_retried_with_backoff_then_succeeds(
        db, clock, registry) -> None:
    attempts: list[int] = []

    async def flaky(session, event: Event) -> None:
        attempts.append(event.id)
        await stored_event(session, topic="test.echo", payload={"of": event.id},
                              now=event.created_at)
        if len(attempts) < 3:
            raise RuntimeError("downstream unavailable")

    registry.register("test.happened", "test.flaky", flaky)
    calls: list[int] = []
    registry.register("test.happened", "test.steady", _echo(calls, topic="test.other"))
    (event_id,) = await _publish(db, clock, "test.happened")
    policy = RetryPolicy(max_attempts=5, base_delay=timedelta(seconds=10))

    report = await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry, retry=policy)
    assert (report.delivered, report.failed) == (1, 1)
    assert await _echoes(db) == []  # the failed attempt's writes were rolled back
    assert calls == [event_id]  # the other handler is not held back
    # Not due before the backoff has passed.
    soon = clock.now() + timedelta(seconds=9)
    report = await dispatcher.dispatch_pending(db, now=soon, registry=registry, retry=policy)
    assert event_id not in report.event_ids
    later = clock.now() + timedelta(seconds=10)
    report = await dispatcher.dispatch_pending(db, now=later, registry=registry, retry=policy)
    assert report.failed == 1 and report.skipped == 1
    report = await dispatcher.dispatch_pending(db, now=later + timedelta(seconds=19),
                                               registry=registry, retry=policy)
    assert event_id not in report.event_ids
    report = await dispatcher.dispatch_pending(db, now=later + timedelta(seconds=20),
                                               registry=registry, retry=policy)
    assert report.delivered == 1
    assert attempts == [event_id] * 3 and calls == [event_id]
    assert await _echoes(db) == [event_id]
    assert sorted(await _deliveries(db)) == [(event_id, "test.flaky", "done", 3),
                                              (event_id, "test.steady", "done", 1)]


async def test_attempts_are_bounded_then_dead_and_can_be_revived(db, clock, registry) -> None:
    async def broken(session, event: Event) -> None:
        raise ValueError("bad payload")

    registry.register("test.happened", "test.broken", broken)
    (event_id,) = await _publish(db, clock, "test.happened")
    policy = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=1))
    now = clock.now()
    for _ in range(3):
        await dispatcher.dispatch_pending(db, now=now, registry=registry, retry=policy)
        now += timedelta(hours=1)
    assert await _deliveries(db) == [(event_id, "test.broken", "dead", 3)]
    assert (await dispatcher.dispatch_pending(db, now=now, registry=registry,
                                              retry=policy)).events == 0
    async with db.transaction(readonly=True) as session:
        delivery = (await session.scalars(select(EventDelivery))).one()
    assert delivery.last_error == "ValueError: bad payload"

    assert await dispatcher.retry_dead(db, now=now, handler_name="test.broken") == 1
    report = await dispatcher.dispatch_pending(db, now=now, registry=registry, retry=policy)
    assert report.failed == 1
    assert await _deliveries(db) == [(event_id, "test.broken", "failed", 1)]


async def test_event_without_handlers_is_settled(db, clock, registry) -> None:
    (event_id,) = await _publish(db, clock, "test.nobody_listens")
    report = await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)
    assert report.event_ids == [event_id] and report.delivered == 0
    assert (await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)).events == 0


async def test_two_dispatchers_racing_deliver_each_event_once(db, clock, registry) -> None:
    calls: list[int] = []

    async def slow_echo(session, event: Event) -> None:
        calls.append(event.id)
        await asyncio.sleep(0.01)
        await stored_event(session, topic="test.echo", payload={"of": event.id},
                              now=event.created_at)

    registry.register("test.happened", "test.slow_echo", slow_echo)
    registry.register("test.happened", "test.second", _echo([], topic="test.other"))
    ids = await _publish(db, clock, "test.happened", 12)

    async def drain() -> None:
        while (await dispatcher.dispatch_pending(db, now=clock.now(), batch_size=4,
                                                 registry=registry)).events:
            pass

    await asyncio.gather(drain(), drain(), drain())
    assert sorted(calls) == ids
    assert await _echoes(db) == ids
    deliveries = await _deliveries(db)
    assert len(deliveries) == 24 and {d[2:] for d in deliveries} == {("done", 1)}


async def test_run_forever_stops_cleanly(db, clock, registry) -> None:
    calls: list[int] = []
    registry.register("test.happened", "test.echo", _echo(calls))
    ids = await _publish(db, clock, "test.happened", 3)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run_forever(db, clock=clock, stop=stop,
                                                      poll_interval_seconds=0.05,
                                                      registry=registry))
    for _ in range(200):
        if len(calls) == 3:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert calls == ids


async def test_events_nobody_listens_to_are_settled_together(db, clock, registry) -> None:
    calls: list[int] = []
    registry.register("test.heard", "test.listener", _echo(calls, topic="test.reply"))
    unheard = await _publish(db, clock, "test.unheard", 3)
    heard = await _publish(db, clock, "test.heard", 1)
    report = await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)
    assert report.event_ids == unheard + heard and report.events == 4
    assert report.delivered == 1 and calls == heard
    assert [d[0] for d in await _deliveries(db)] == heard  # no delivery rows for the unheard
    async with db.transaction(readonly=True) as session:
        dispatched = set(await session.scalars(
            select(OutboxEvent.id).where(OutboxEvent.dispatched_at.is_not(None))))
    assert set(unheard + heard) <= dispatched
