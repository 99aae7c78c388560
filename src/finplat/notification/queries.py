"""Reading a user's inbox: newest first by when it happened, keyset pagination."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.core.fields import MAX_ID
from finplat.core.pagination import decode_cursor, encode_cursor
from finplat.notification.models import NotificationMessage


def cursor_after(message: NotificationMessage) -> str:
    return encode_cursor({"at": ensure_utc(message.occurred_at).isoformat(), "id": message.id})


def _position(cursor: str | None) -> tuple[datetime, int] | None:
    position = decode_cursor(cursor)
    if position is None:
        return None
    at, message_id = position.get("at"), position.get("id")
    if not isinstance(at, str) or isinstance(message_id, bool) or not isinstance(
            message_id, int) or not 0 <= message_id <= MAX_ID:
        raise field_error("cursor", "is not a cursor this API issued")
    try:
        return ensure_utc(datetime.fromisoformat(at)), message_id
    except ValueError:
        raise field_error("cursor", "is not a cursor this API issued") from None


async def page(session: AsyncSession, *, user_id: int, limit: int,
               cursor: str | None) -> Sequence[NotificationMessage]:
    """Up to ``limit`` messages after ``cursor``. Raises ``InvalidInput`` for a foreign cursor."""
    query = select(NotificationMessage).where(NotificationMessage.user_id == user_id)
    position = _position(cursor)
    if position is not None:
        at, message_id = position
        query = query.where(or_(NotificationMessage.occurred_at < at,
                                and_(NotificationMessage.occurred_at == at,
                                     NotificationMessage.id < message_id)))
    return (await session.scalars(query.order_by(NotificationMessage.occurred_at.desc(),
                                                 NotificationMessage.id.desc())
                                  .limit(limit))).all()


async def unread_count(session: AsyncSession, *, user_id: int) -> int:
    """One indexed count (``ix_notification_message_unread``)."""
    count = await session.scalar(select(func.count()).select_from(NotificationMessage).where(
        NotificationMessage.user_id == user_id, NotificationMessage.read_at.is_(None)))
    return int(count or 0)
