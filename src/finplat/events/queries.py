"""Read-only questions about the outbox (for the system console)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from finplat.core.db import Database
from finplat.core.pagination import Page, PageParams, page_of
from finplat.events.models import EventDelivery, OutboxEvent

FAILURE_STATUSES = ("failed", "dead")


def _failure_view(row: Any) -> dict[str, Any]:
    delivery, event = row
    return {"id": delivery.id, "event_id": event.id, "topic": event.topic,
            "handler": delivery.handler, "status": delivery.status,
            "attempts": delivery.attempts, "last_error": delivery.last_error,
            "next_attempt_at": delivery.next_attempt_at.isoformat()
            if delivery.next_attempt_at else None,
            "updated_at": delivery.updated_at.isoformat(),
            "event_created_at": event.created_at.isoformat(), "payload": event.payload}


async def failures_page(
    db: Database, *, page: PageParams, status: str | None = None, topic: str | None = None
) -> Page[dict[str, Any]]:
    """Failed (to be retried) and dead (given up) deliveries, newest first, with their event.
    Raises ``InvalidInput`` (bad cursor)."""
    query = (select(EventDelivery, OutboxEvent)
             .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
             .where(EventDelivery.status.in_((status,) if status else FAILURE_STATUSES))
             .order_by(EventDelivery.id.desc()).limit(page.fetch_limit))
    if topic is not None:
        query = query.where(OutboxEvent.topic == topic)
    if page.last_id is not None:
        query = query.where(EventDelivery.id < page.last_id)
    async with db.transaction(readonly=True) as session:
        rows = list((await session.execute(query)).all())
    return page_of(rows, page, item=_failure_view, position=lambda row: {"id": row[0].id})


async def outbox_status(db: Database) -> dict[str, Any]:
    """Undispatched events and deliveries by status (what ``finplat events status`` shows)."""
    async with db.transaction(readonly=True) as session:
        pending = await session.scalar(select(func.count()).select_from(OutboxEvent)
                                       .where(OutboxEvent.dispatched_at.is_(None)))
        rows = await session.execute(select(EventDelivery.status, func.count())
                                     .group_by(EventDelivery.status))
        return {"undispatched_events": int(pending or 0),
                "deliveries": {status: int(count) for status, count in rows.all()}}
