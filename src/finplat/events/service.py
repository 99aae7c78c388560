"""Publishing to the outbox: inside the use case's transaction; delivery happens after commit.

A state change is recorded with ``record``: its audit record and its typed event are written
together, in the caller's transaction, so one exists exactly when the other does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Integer,
    Select,
    String,
    Table,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.clock import ensure_utc
from finplat.core.db import Database
from finplat.core.errors import Conflict, NotFound
from finplat.core.statements import InsertTogether, inserted_id, json_from_text
from finplat.events.models import EventDelivery, OutboxEvent
from finplat.events.types import DomainEvent

# Built once, values as parameters: it is on every money path.
OUTBOX = cast(Table, OutboxEvent.__table__)
_INSERT = insert(OUTBOX)
# The audit record and the outbox event of one change: one round trip where the database can.
_AUDIT_AND_EVENT = InsertTogether(audit_service.TABLE, OUTBOX)


async def emit(session: AsyncSession, event: DomainEvent, *, now: datetime) -> int:
    """Put ``event`` in the outbox in the caller's transaction; returns its id. For events that
    are not themselves an audited change (an anomaly noticed, a figure crossing a line); a state
    change goes through ``record``. A plain insert, not a unit-of-work flush: it is on every
    money path."""
    result = await session.execute(_INSERT, _event_row(event, event.payload(), now))
    return inserted_id(result)


async def record(session: AsyncSession, event: DomainEvent, *, target_type: str,
                 target_id: str | int | None, now: datetime, actor_id: int | None = None,
                 summary: dict[str, Any] | None = None) -> int:
    """The audit record (action = the event's topic) and the outbox event of one state change,
    in the caller's transaction; returns the event's id. ``summary`` is what the audit record
    keeps (by default the event's payload); personal data in it is scrubbed by the audit log."""
    payload = event.payload()
    audit = audit_service.row(action=event.topic, target_type=target_type, target_id=target_id,
                              now=now, actor_id=actor_id,
                              summary=payload if summary is None else summary)
    return int(await _AUDIT_AND_EVENT(session, audit, _event_row(event, payload, now)))


def _event_row(event: DomainEvent, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"topic": event.topic, "version": event.version, "payload": payload,
            "created_at": ensure_utc(now), "dispatched_at": None}


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


def _payload_text(event_type: type[DomainEvent], rows: Any) -> Any:
    """SQL building the JSON payload of ``event_type`` from the columns of ``rows`` named after
    its fields (integers and strings; strings escaped for JSON's quote and backslash)."""
    document: Any = None
    for n, (name, field) in enumerate(event_type.model_fields.items()):
        column = rows.selected_columns[name]
        if field.annotation is int:
            value: Any = sql_cast(column, String)
        elif field.annotation is str:
            escaped = func.replace(func.replace(column, "\\", "\\\\"), '"', '\\"')
            value = literal('"', String) + escaped + literal('"', String)
        else:
            raise TypeError(f"{event_type.__qualname__}.{name}: only int and str fields")
        key = literal(("{" if n == 0 else ",") + json.dumps(name) + ":", String)
        document = key + value if document is None else document + key + value
    return document + literal("}", String)


async def record_selected(session: AsyncSession, event_type: type[DomainEvent],
                          rows: Select[Any], *, target_type: str, target_id: str,
                          summary: dict[str, Any], now: datetime,
                          actor_id: int | None = None) -> int:
    """``record_many`` for a set of changes a SELECT describes: one outbox event of
    ``event_type`` per row of ``rows`` (a column per field of the event, payload built in the
    database by one ``INSERT ... SELECT``) and one audit record for the whole set (``summary``
    plus the number of events; the bulk jobs audit a chunk, its events name each change).
    Returns the number of events."""
    if set(rows.selected_columns.keys()) != set(event_type.model_fields):
        raise TypeError(f"the rows must give exactly the fields of {event_type.__qualname__}")
    created_at = ensure_utc(now)
    payload = json_from_text(session, _payload_text(event_type, rows))
    events = rows.with_only_columns(
        literal(event_type.topic, String), literal(event_type.version, Integer), payload,
        literal(created_at, OUTBOX.c.created_at.type), maintain_column_froms=True)
    count = int(cast(CursorResult[Any], await session.execute(insert(OUTBOX).from_select(
        ["topic", "version", "payload", "created_at"], events))).rowcount)
    if count:
        await audit_service.record(session, action=event_type.topic, target_type=target_type,
                                   target_id=target_id, now=now, actor_id=actor_id,
                                   summary={**summary, "events": count})
    return count


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
