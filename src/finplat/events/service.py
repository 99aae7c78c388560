"""Publishing to the outbox: inside the use case's transaction; delivery happens after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.db import inserted_id
from finplat.events.models import OutboxEvent


async def publish(session: AsyncSession, *, topic: str, payload: dict[str, Any],
                  now: datetime) -> int:
    """Record an event (``topic`` like ``ledger.deposit_succeeded``) in the caller's transaction;
    returns its id. A plain insert, not a unit-of-work flush: it is on every money path."""
    result = await session.execute(insert(OutboxEvent).values(
        topic=topic, payload=payload, created_at=ensure_utc(now), dispatched_at=None))
    return inserted_id(result)
