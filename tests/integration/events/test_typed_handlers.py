"""Typed handlers: the model parsed from the stored (topic, version, payload)."""

from sqlalchemy import select, update

from finplat.events import dispatcher, service
from finplat.events.dispatcher import Event
from finplat.events.models import EventDelivery, OutboxEvent
from finplat.events.types import DomainEvent
from tests.outbox import stored_event


class ThingHappened(DomainEvent):
    topic = "test.thing_happened"
    thing_id: int
    amount_minor: int


async def _record(db, clock, event: DomainEvent) -> int:
    return await db.run(lambda s: service.emit(s, event, now=clock.now()))


async def _deliveries(db) -> dict[int, EventDelivery]:
    async with db.transaction(readonly=True) as session:
        return {d.event_id: d for d in await session.scalars(select(EventDelivery))}


async def test_typed_handler_gets_the_model_and_the_stored_event(db, clock, registry) -> None:
    seen: list[tuple[ThingHappened, Event]] = []

    @registry.on(ThingHappened, name="test.typed")
    async def handle(session, event: ThingHappened, meta: Event) -> None:
        seen.append((event, meta))

    event_id = await _record(db, clock, ThingHappened(thing_id=7, amount_minor=100))
    report = await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)
    assert report.delivered == 1
    [(model, meta)] = seen
    assert model == ThingHappened(thing_id=7, amount_minor=100)
    assert (meta.id, meta.topic, meta.version) == (event_id, "test.thing_happened", 1)
    assert registry.for_topic("test.thing_happened")[0].event_type is ThingHappened


async def test_unparsable_payload_is_a_failed_delivery_and_the_loop_goes_on(
        db, clock, registry) -> None:
    seen: list[int] = []

    @registry.on(ThingHappened, name="test.typed")
    async def handle(session, event: ThingHappened, meta: Event) -> None:
        seen.append(event.thing_id)

    bad = await db.run(lambda s: stored_event(s, topic=ThingHappened.topic,
                                                 payload={"thing_id": "seven"}, now=clock.now()))
    newer_version = await db.run(lambda s: stored_event(
        s, topic=ThingHappened.topic, payload={"thing_id": 8, "amount_minor": 1},
        now=clock.now()))
    await db.run(lambda s: s.execute(update(OutboxEvent).where(OutboxEvent.id == newer_version)
                                     .values(version=2)))
    good = await _record(db, clock, ThingHappened(thing_id=9, amount_minor=1))
    report = await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)
    assert (report.events, report.delivered, report.failed) == (3, 1, 2)
    assert seen == [9]
    deliveries = await _deliveries(db)
    assert deliveries[good].status == "done"
    assert deliveries[bad].status == "failed"
    assert deliveries[bad].last_error.startswith(
        "UnparsableEvent: test.thing_happened v1 payload does not match ThingHappened:")
    assert "thing_id" in deliveries[bad].last_error and "amount_minor" in deliveries[bad].last_error
    assert deliveries[newer_version].last_error == (
        "UnparsableEvent: test.thing_happened version 2 stored, ThingHappened reads version 1")


def test_on_refuses_a_class_without_topic(registry) -> None:
    import pytest

    with pytest.raises(TypeError):
        registry.on(DomainEvent)  # type: ignore[type-abstract]


async def test_a_deadlock_in_a_handler_reruns_the_delivery_not_a_failure(
        db, clock, registry) -> None:
    from sqlalchemy.exc import OperationalError

    calls: list[int] = []

    class Deadlock(Exception):
        args = (1213, "Deadlock found when trying to get lock; try restarting transaction")

    @registry.on(ThingHappened, name="test.typed")
    async def handle(session, event: ThingHappened, meta: Event) -> None:
        calls.append(event.thing_id)
        if len(calls) == 1:
            # As MariaDB reports it: the rollback to the savepoint fails during the deadlock.
            try:
                raise OperationalError("INSERT ...", {}, Deadlock())
            except OperationalError:
                raise OperationalError("ROLLBACK TO SAVEPOINT sa_savepoint_1", {},
                                       Exception(1305, "SAVEPOINT does not exist")) from None

    event_id = await _record(db, clock, ThingHappened(thing_id=5, amount_minor=1))
    report = await dispatcher.dispatch_pending(db, now=clock.now(), registry=registry)
    assert (report.delivered, report.failed) == (1, 0)
    assert calls == [5, 5]
    delivery = (await _deliveries(db))[event_id]
    assert (delivery.status, delivery.attempts) == ("done", 1)
