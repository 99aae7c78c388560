"""Raw outbox rows for tests of delivery itself: any topic and payload, including ones that no
declared event class would produce (production code records typed events only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.statements import inserted_id
from finplat.events.models import OutboxEvent


async def stored_event(session: AsyncSession, *, topic: str, payload: dict[str, Any],
                       now: datetime, version: int = 1) -> int:
    """Insert one outbox row as it would be stored; returns its id."""
    result = await session.execute(insert(OutboxEvent).values(
        topic=topic, version=version, payload=payload, created_at=ensure_utc(now),
        dispatched_at=None))
    return inserted_id(result)
