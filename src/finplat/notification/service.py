"""The notification package's public API: write a message (handlers), read and mark the inbox.

Messages are written by event handlers in the dispatcher's transaction (``notify``); the inbox
functions taking ``db`` are one transaction each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.db import Database
from finplat.core.errors import NotFound
from finplat.notification import messages, queries
from finplat.notification.models import NotificationMessage


async def notify(session: AsyncSession, *, user_id: int, source: str, event_id: int, topic: str,
                 message_key: str, params: dict[str, Any], occurred_at: datetime) -> bool:
    """Put the message about ``source`` in ``user_id``'s inbox, in the caller's transaction.

    Idempotent per (user, source): the same event again changes nothing, an older event about
    the same source (delivered late) changes nothing, a newer one replaces the message (unread
    again if the outcome changed). Returns whether the inbox changed. Raises ``ValueError`` for
    an unknown key.
    """
    if message_key not in messages.MESSAGES:
        raise ValueError(f"no message {message_key!r}")
    content = {"event_id": event_id, "topic": topic, "message_key": message_key,
               "params": params, "occurred_at": ensure_utc(occurred_at)}
    try:
        async with session.begin_nested():
            await session.execute(insert(NotificationMessage).values(
                user_id=user_id, source=source, read_at=None, **content))
        return True
    except IntegrityError:
        pass  # a message about this source exists: replace it only with newer news
    # A guarded update: whichever of two events about one source is handled last, the newer
    # one's message is what stays.
    result = await session.execute(
        update(NotificationMessage)
        .where(NotificationMessage.user_id == user_id, NotificationMessage.source == source,
               NotificationMessage.event_id < event_id)
        .values(read_at=case((NotificationMessage.message_key == message_key,
                               NotificationMessage.read_at), else_=None), **content)
        .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


def _item(message: NotificationMessage, locale: str) -> dict[str, Any]:
    title, body = messages.render(message.message_key, message.params, locale)
    return {"id": message.id, "topic": message.topic, "title": title, "body": body,
            "created_at": message.occurred_at, "read_at": message.read_at}


async def inbox(db: Database, *, user_id: int, limit: int, cursor: str | None,
                locale: str) -> dict[str, Any]:
    """A page of the inbox, newest first, rendered in ``locale``, with the unread count.
    Raises ``InvalidInput`` for a cursor this API did not issue."""
    async with db.transaction(readonly=True) as session:
        rows = await queries.page(session, user_id=user_id, limit=limit, cursor=cursor)
        unread = await queries.unread_count(session, user_id=user_id)
    next_cursor = queries.cursor_after(rows[-1]) if len(rows) == limit else None
    return {"items": [_item(row, locale) for row in rows], "next_cursor": next_cursor,
            "unread": unread}


async def unread_count(db: Database, *, user_id: int) -> int:
    async with db.transaction(readonly=True) as session:
        return await queries.unread_count(session, user_id=user_id)


async def mark_read(db: Database, *, user_id: int, message_id: int, now: datetime) -> None:
    """Mark one of the user's messages read (again: no change). Raises
    ``NotFound('notification.not_found')`` for another user's or an unknown id."""
    async def work(session: AsyncSession) -> None:
        result = await session.execute(
            update(NotificationMessage)
            .where(NotificationMessage.id == message_id, NotificationMessage.user_id == user_id,
                   NotificationMessage.read_at.is_(None))
            .values(read_at=ensure_utc(now)).execution_options(synchronize_session=False))
        if getattr(result, "rowcount", 0):
            return
        mine = await session.scalar(select(NotificationMessage.id).where(
            NotificationMessage.id == message_id, NotificationMessage.user_id == user_id))
        if mine is None:
            raise NotFound("notification.not_found", "no such notification")

    await db.run(work)


async def mark_all_read(db: Database, *, user_id: int, now: datetime) -> int:
    """Mark every unread message of the user read; returns how many."""
    async def work(session: AsyncSession) -> int:
        result = await session.execute(
            update(NotificationMessage)
            .where(NotificationMessage.user_id == user_id, NotificationMessage.read_at.is_(None))
            .values(read_at=ensure_utc(now)).execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    return await db.run(work)
