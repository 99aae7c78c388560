"""Publishing to the outbox: inside the use case's transaction; delivery happens after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.events.models import OutboxEvent


async def publish(session: AsyncSession, *, topic: str, payload: dict[str, Any],
                  now: datetime) -> OutboxEvent:
    """Record an event (``topic`` like ``ledger.deposit_succeeded``) in the caller's transaction."""
    event = OutboxEvent(topic=topic, payload=payload, created_at=ensure_utc(now),
                        dispatched_at=None)
    session.add(event)
    await session.flush()
    return event
