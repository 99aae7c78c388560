"""In-process dispatcher: at-least-once delivery of outbox events to registered handlers.

A handler runs as ``await fn(session, event)`` (typed: ``await fn(session, model, event)``)
inside a transaction that also records its ``events_delivery`` row, so its effects and the fact
that it ran commit together: a crash before the commit redelivers, and a handler that has run for
an event never runs for it again. A handler that raises is rolled back to a savepoint, its
failure is recorded in the same transaction and it is retried later with exponential backoff, a
bounded number of times; after the last attempt the delivery is marked ``dead`` (visible with
``finplat events failures``; ``finplat events retry`` revives it).

Handlers live in ``finplat.<package>.handlers`` modules and register at import time, typed by
the event class they consume (``finplat.events.types``)::

    @dispatcher.on(DepositSucceeded, name="notification.deposit_succeeded")
    async def notify(session: AsyncSession, event: DepositSucceeded, meta: Event) -> None: ...

The model is parsed from the stored ``(topic, version, payload)``; a row that does not parse
(another version, a payload that does not match the declaration) is a failed delivery whose error
says so, retried and finally dead like any other failure. ``handler(topic)`` registers an
untyped ``fn(session, event)`` for topics without a declared class.

Two dispatchers may run at once: each event is worked on under a row lock taken with
``FOR UPDATE SKIP LOCKED`` (PostgreSQL, MySQL 8, MariaDB 10.6), so the other one moves on; on
SQLite write transactions are serialized anyway. The delivery row's unique ``(event, handler)``
constraint backs this up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import Clock, ensure_utc
from finplat.core.db import Database, is_retryable
from finplat.events.models import EventDelivery, OutboxEvent
from finplat.events.types import DomainEvent

log = logging.getLogger(__name__)

DONE, FAILED, DEAD = "done", "failed", "dead"
MAX_BATCH_SIZE = 1_000
_MAX_ERROR_CHARS = 2_000

DELIVERIES = Counter("finplat_events_deliveries_total",
                     "Handler runs of outbox events, by handler and outcome.",
                     ["handler", "outcome"])


@dataclass(frozen=True)
class Event:
    """What a handler is given: a read-only view of one outbox row."""

    id: int
    topic: str
    payload: dict[str, Any]
    created_at: datetime
    version: int = 1


HandlerFn = Callable[[AsyncSession, Event], Awaitable[None]]
F = TypeVar("F", bound=HandlerFn)
E = TypeVar("E", bound=DomainEvent)
TypedHandlerFn = Callable[[AsyncSession, E, Event], Awaitable[None]]


class UnparsableEvent(ValueError):
    """A stored event that does not match the class its handler consumes."""


@dataclass(frozen=True)
class Handler:
    topic: str
    name: str
    fn: Callable[..., Awaitable[None]]
    # The class the handler consumes; None for an untyped ``fn(session, event)``.
    event_type: type[DomainEvent] | None = None

    async def run(self, session: AsyncSession, event: Event) -> None:
        if self.event_type is None:
            await self.fn(session, event)
            return
        await self.fn(session, parsed(self.event_type, event), event)


def parsed(event_type: type[E], event: Event) -> E:
    """The typed model of a stored event. Raises ``UnparsableEvent`` naming the topic, the
    version and what does not match."""
    if event.version != event_type.version:
        raise UnparsableEvent(f"{event.topic} version {event.version} stored, "
                              f"{event_type.__qualname__} reads version {event_type.version}")
    try:
        return event_type.model_validate(event.payload)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}"
                             for e in error.errors()[:5])
        raise UnparsableEvent(f"{event.topic} v{event.version} payload does not match "
                              f"{event_type.__qualname__}: {problems}") from None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff: ``base * 2**(attempt-1)``, capped."""

    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(hours=1)

    def delay_after(self, attempts: int) -> timedelta:
        return min(self.base_delay * 2 ** max(attempts - 1, 0), self.max_delay)


class Registry:
    """Handlers by topic. Names are unique: they key the delivery records."""

    def __init__(self) -> None:
        self._by_name: dict[str, Handler] = {}

    def register(self, topic: str, name: str, fn: Callable[..., Awaitable[None]], *,
                 event_type: type[DomainEvent] | None = None) -> None:
        """Add ``fn`` for ``topic``; raises ``ValueError`` if another handler has ``name``."""
        if not topic or not name or len(name) > 128:
            raise ValueError("a handler needs a topic and a name of at most 128 characters")
        existing = self._by_name.get(name)
        if existing is not None and (existing.fn is not fn or existing.topic != topic):
            raise ValueError(f"an event handler named {name!r} is already registered")
        self._by_name[name] = Handler(topic=topic, name=name, fn=fn, event_type=event_type)

    def handler(self, topic: str, *, name: str | None = None) -> Callable[[F], F]:
        """Register an untyped ``fn(session, event)`` for ``topic``."""
        def decorate(fn: F) -> F:
            self.register(topic, name or f"{fn.__module__}.{fn.__qualname__}", fn)
            return fn
        return decorate

    def on(self, event_type: type[E], *, name: str | None = None
           ) -> Callable[[TypedHandlerFn[E]], TypedHandlerFn[E]]:
        """Register ``fn(session, event: event_type, meta: Event)`` for the class's topic."""
        topic = getattr(event_type, "topic", None)
        if not isinstance(topic, str):
            raise TypeError(f"{event_type!r} is not a declared event (it has no topic)")

        def decorate(fn: TypedHandlerFn[E]) -> TypedHandlerFn[E]:
            self.register(topic, name or f"{fn.__module__}.{fn.__qualname__}", fn,
                          event_type=event_type)
            return fn
        return decorate

    def for_topic(self, topic: str) -> list[Handler]:
        return sorted((h for h in self._by_name.values() if h.topic == topic), key=lambda h: h.name)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def subset(self, prefix: str) -> Registry:
        """A registry of the handlers whose names start with ``prefix`` (one package's)."""
        subset = Registry()
        subset._by_name = {name: h for name, h in self._by_name.items() if name.startswith(prefix)}
        return subset


# The process-wide registry that ``finplat worker`` and the embedded runtime dispatch from.
registry = Registry()
register = registry.register
handler = registry.handler
on = registry.on


def default_registry() -> Registry:
    return registry


@dataclass
class DispatchReport:
    events: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    event_ids: list[int] = field(default_factory=list)


async def dispatch_pending(db: Database, *, now: datetime, batch_size: int = 100,
                           registry: Registry | None = None,
                           retry: RetryPolicy = RetryPolicy()) -> DispatchReport:
    """Deliver one bounded batch of due, undispatched events, oldest first.

    Returns what happened; ``report.events == 0`` means nothing was due. Raises whatever a
    crash raises (database unreachable and the like); a handler's own exception is recorded, not
    raised.
    """
    if not 0 < batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be in 1..{MAX_BATCH_SIZE}")
    now = ensure_utc(now)
    handlers = registry if registry is not None else default_registry()
    report = DispatchReport()
    due = await _due_events(db, now=now, limit=batch_size)
    heard = {topic for _, topic in due if handlers.for_topic(topic)}
    # Events nobody listens to are settled together, in one statement: there is nothing to run.
    unheard = [event_id for event_id, topic in due if topic not in heard]
    if unheard:
        await db.run(partial(_mark_dispatched, event_ids=unheard, now=now))
    for event_id, topic in due:
        report.events += 1
        report.event_ids.append(event_id)
        if topic in heard:
            await _dispatch_event(db, event_id=event_id, topic=topic, now=now,
                                  registry=handlers, retry=retry, report=report)
    return report


async def _due_events(db: Database, *, now: datetime, limit: int) -> list[tuple[int, str]]:
    async def work(session: AsyncSession) -> list[tuple[int, str]]:
        rows = await session.execute(
            select(OutboxEvent.id, OutboxEvent.topic)
            .where(OutboxEvent.dispatched_at.is_(None),
                   or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now))
            .order_by(OutboxEvent.id).limit(limit))
        return [(int(row.id), str(row.topic)) for row in rows]

    return await db.run(work, readonly=True)


async def _mark_dispatched(session: AsyncSession, *, event_ids: list[int], now: datetime) -> None:
    await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_(event_ids), OutboxEvent.dispatched_at.is_(None))
        .values(dispatched_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False))


async def _lock_event(session: AsyncSession, event_id: int) -> OutboxEvent | None:
    """The event under a row lock, or None if it is done or another dispatcher holds it."""
    return (await session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.id == event_id, OutboxEvent.dispatched_at.is_(None))
        .with_for_update(skip_locked=True))).one_or_none()


async def _dispatch_event(db: Database, *, event_id: int, topic: str, now: datetime,
                          registry: Registry, retry: RetryPolicy, report: DispatchReport) -> None:
    # Each handler's transaction locks the event again and skips it once it is dispatched.
    for registered in registry.for_topic(topic):
        outcome = await db.run(partial(_deliver, event_id=event_id, handler=registered, now=now,
                                       retry=retry))
        if outcome is None:
            report.skipped += 1
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
    await db.run(lambda s: _settle_event(s, event_id=event_id, now=now, registry=registry))


async def _deliver(session: AsyncSession, *, event_id: int, handler: Handler, now: datetime,
                   retry: RetryPolicy) -> str | None:
    """Run one handler for one event in this transaction; returns the outcome or None if skipped."""
    event = await _lock_event(session, event_id)
    if event is None:
        return None
    delivery = (await session.scalars(select(EventDelivery).where(
        EventDelivery.event_id == event_id, EventDelivery.handler == handler.name))).one_or_none()
    if delivery is not None and (delivery.status in (DONE, DEAD) or (
            delivery.next_attempt_at is not None and delivery.next_attempt_at > now)):
        return None
    if delivery is None:
        delivery = EventDelivery(event_id=event_id, handler=handler.name, status=FAILED,
                                 attempts=0, updated_at=now)
        session.add(delivery)
    view = Event(id=event.id, topic=event.topic, payload=dict(event.payload),
                 created_at=event.created_at, version=event.version)
    # Read before the savepoint: a rolled-back savepoint may expire what it touched.
    attempts = delivery.attempts + 1
    try:
        async with session.begin_nested():
            await handler.run(session, view)
    except Exception as error:
        transient = _transient(error)
        if transient is not None:
            # A deadlock is no failure of the handler: the unit of work runs the whole delivery
            # again. (MariaDB ends the transaction, savepoint included, on a deadlock, so the
            # error seen here may be the failed rollback to the savepoint, the deadlock its cause.)
            raise transient from None
        delivery.attempts = attempts
        delivery.last_error = f"{type(error).__name__}: {error}"[:_MAX_ERROR_CHARS]
        delivery.updated_at = now
        if attempts >= retry.max_attempts:
            delivery.status, delivery.next_attempt_at = DEAD, None
            log.error("event handler gave up", extra={
                "handler": handler.name, "event_id": event_id, "attempts": attempts})
        else:
            delivery.status = FAILED
            delivery.next_attempt_at = now + retry.delay_after(attempts)
            log.warning("event handler failed; will retry", extra={
                "handler": handler.name, "event_id": event_id, "attempts": attempts,
                "error_type": type(error).__name__})
        await session.flush()
        DELIVERIES.labels(handler.name, delivery.status).inc()
        return delivery.status
    delivery.attempts = attempts
    delivery.status, delivery.last_error, delivery.next_attempt_at = DONE, None, None
    delivery.updated_at = now
    await session.flush()
    DELIVERIES.labels(handler.name, DONE).inc()
    return "delivered"


def _transient(error: BaseException) -> BaseException | None:
    """The retryable database error behind ``error`` (itself or what it happened during)."""
    seen: BaseException | None = error
    for _ in range(5):
        if seen is None:
            return None
        if is_retryable(seen):
            return seen
        seen = seen.__context__
    return None


async def _settle_event(session: AsyncSession, *, event_id: int, now: datetime,
                        registry: Registry) -> None:
    """Mark the event dispatched once every handler is done or dead, else when it is next due."""
    event = await _lock_event(session, event_id)
    if event is None:
        return
    names = [h.name for h in registry.for_topic(event.topic)]
    deliveries = {d.handler: d for d in await session.scalars(
        select(EventDelivery).where(EventDelivery.event_id == event_id))} if names else {}
    pending = [deliveries.get(name) for name in names
               if deliveries.get(name) is None or deliveries[name].status == FAILED]
    if not pending:
        event.dispatched_at, event.next_attempt_at = now, None
        return
    due = [d.next_attempt_at for d in pending if d is not None and d.next_attempt_at is not None]
    # A handler that has never run (registered meanwhile, or skipped under a lock) is due now.
    event.next_attempt_at = min(due) if len(due) == len(pending) else None


async def retry_dead(db: Database, *, now: datetime, event_id: int | None = None,
                     handler_name: str | None = None) -> int:
    """Give dead deliveries (optionally of one event or handler) a fresh round of attempts.

    Returns how many were revived. Raises nothing beyond database errors.
    """
    async def work(session: AsyncSession) -> int:
        conditions = [EventDelivery.status == DEAD]
        if event_id is not None:
            conditions.append(EventDelivery.event_id == event_id)
        if handler_name is not None:
            conditions.append(EventDelivery.handler == handler_name)
        event_ids = list(await session.scalars(
            select(EventDelivery.event_id).where(and_(*conditions)).distinct()))
        if not event_ids:
            return 0
        revived = await session.execute(
            update(EventDelivery).where(and_(*conditions))
            .values(status=FAILED, attempts=0, next_attempt_at=None, updated_at=now))
        await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(event_ids))
                              .values(dispatched_at=None, next_attempt_at=None))
        return int(getattr(revived, "rowcount", 0) or 0)

    return await db.run(work)


async def run_forever(db: Database, *, clock: Clock, stop: asyncio.Event,
                      poll_interval_seconds: float = 1.0, batch_size: int = 100,
                      registry: Registry | None = None) -> None:
    """Drain the outbox until ``stop`` is set, sleeping ``poll_interval_seconds`` when idle."""
    while not stop.is_set():
        busy = False
        try:
            report = await dispatch_pending(db, now=clock.now(), batch_size=batch_size,
                                            registry=registry)
            busy = report.events == batch_size
        except Exception:
            # A database outage must not kill the loop; the next poll tries again.
            log.exception("event dispatch failed")
        if busy:
            await asyncio.sleep(0)
            continue
        try:
            await asyncio.wait_for(stop.wait(), timeout=poll_interval_seconds)
        except TimeoutError:
            continue
