"""Publishing to the outbox: inside the use case's transaction; delivery happens after commit.

A state change is recorded with ``record``: its audit record and its typed event are written
together, in the caller's transaction, so one exists exactly when the other does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.clock import ensure_utc
from finplat.core.db import Database, inserted_id
from finplat.core.errors import Conflict, NotFound
from finplat.events.models import EventDelivery, OutboxEvent
from finplat.events.types import DomainEvent

# Built once, values as parameters: it is on every money path.
_INSERT = insert(cast(Table, OutboxEvent.__table__))


async def emit(session: AsyncSession, event: DomainEvent, *, now: datetime) -> int:
    """Put ``event`` in the outbox in the caller's transaction; returns its id. For events that
    are not themselves an audited change (an anomaly noticed, a figure crossing a line); a state
    change goes through ``record``. A plain insert, not a unit-of-work flush: it is on every
    money path."""
    result = await session.execute(_INSERT, {
        "topic": event.topic, "version": event.version, "payload": event.payload(),
        "created_at": ensure_utc(now), "dispatched_at": None})
    return inserted_id(result)


async def record(session: AsyncSession, event: DomainEvent, *, target_type: str,
                 target_id: str | int | None, now: datetime, actor_id: int | None = None,
                 summary: dict[str, Any] | None = None) -> int:
    """The audit record (action = the event's topic) and the outbox event of one state change,
    in the caller's transaction; returns the event's id. ``summary`` is what the audit record
    keeps (by default the event's payload); personal data in it is scrubbed by the audit log."""
    await audit_service.record(session, action=event.topic, target_type=target_type,
                               target_id=target_id, now=now, actor_id=actor_id,
                               summary=event.payload() if summary is None else summary)
    return await emit(session, event, now=now)


async def record_many(session: AsyncSession, events: Sequence[tuple[DomainEvent, str | int]], *,
                      target_type: str, now: datetime, actor_id: int | None = None) -> None:
    """``record`` for many changes at once, ``(event, target_id)`` each, the audit summary being
    the event's payload: one multi-row insert of audit records and one of outbox events,
    whatever their number (the bulk jobs record one change per order or holding of a chunk)."""
    if not events:
        return
    payloads = [event.payload() for event, _target in events]
    await audit_service.record_many(
        session, now=now, actor_id=actor_id,
        records=[(event.topic, target_type, target_id, payload)
                 for (event, target_id), payload in zip(events, payloads, strict=True)])
    created_at = ensure_utc(now)
    await session.execute(insert(cast(Table, OutboxEvent.__table__)), [
        {"topic": event.topic, "version": event.version, "payload": payload,
         "created_at": created_at, "dispatched_at": None}
        for (event, _target), payload in zip(events, payloads, strict=True)])


async def publish(session: AsyncSession, *, topic: str, payload: dict[str, Any],
                  now: datetime) -> int:
    """Untyped publishing, for call sites not yet moved to ``record``/``emit``."""
    result = await session.execute(insert(OutboxEvent).values(
        topic=topic, payload=payload, created_at=ensure_utc(now), dispatched_at=None))
    return inserted_id(result)


async def retry_delivery(db: Database, *, delivery_id: int, now: datetime,
                         actor_id: int | None) -> dict[str, Any]:
    """Make a failed or dead delivery due now (a dead one with a fresh round of attempts);
    the dispatcher runs it on its next pass. Audited (``events.delivery_retried``).

    Raises ``NotFound('events.delivery_not_found')`` and
    ``Conflict('events.delivery_not_failed')``.
    """
    async def work(session: AsyncSession) -> dict[str, Any]:
        delivery = await session.scalar(
            select(EventDelivery).where(EventDelivery.id == delivery_id).with_for_update())
        if delivery is None:
            raise NotFound("events.delivery_not_found", "no such delivery")
        if delivery.status not in ("failed", "dead"):
            raise Conflict("events.delivery_not_failed", "only a failed delivery can be retried")
        before = delivery.status
        delivery.status, delivery.next_attempt_at, delivery.updated_at = "failed", None, now
        if before == "dead":
            delivery.attempts = 0
        await session.execute(update(OutboxEvent).where(OutboxEvent.id == delivery.event_id)
                              .values(dispatched_at=None, next_attempt_at=None))
        await audit_service.record(
            session, action="events.delivery_retried", target_type="event_delivery",
            target_id=delivery_id, now=now, actor_id=actor_id,
            summary={"event_id": delivery.event_id, "handler": delivery.handler,
                     "before": before})
        return {"id": delivery_id, "event_id": delivery.event_id, "status": delivery.status}

    return await db.run(work)
