"""Publishing to the outbox: inside the use case's transaction; delivery happens after commit.

A state change is recorded with ``record``: its audit record and its typed event are written
together, in the caller's transaction, so one exists exactly when the other does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.clock import ensure_utc
from finplat.core.db import inserted_id
from finplat.events.models import OutboxEvent
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

