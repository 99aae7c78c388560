"""Reading the audit log (auditors and admins only; enforced by the router)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit.models import AuditRecord
from finplat.core.db import Database
from finplat.core.pagination import MAX_LIMIT, Page, PageParams, page_of


async def search(session: AsyncSession, *, limit: int, before_id: int | None = None,
                 action: str | None = None, action_prefix: str | None = None,
                 target_type: str | None = None, target_id: str | None = None,
                 actor_id: int | None = None, created_from: datetime | None = None,
                 created_to: datetime | None = None) -> list[AuditRecord]:
    """Newest (highest id) first, sealed or not; at most ``limit`` (≤ 101: a page and the row
    that tells whether another follows) below ``before_id``.

    ``created_from``/``created_to`` are a half-open period. Raises ``ValueError`` on a bad limit.
    """
    if not 0 < limit <= MAX_LIMIT + 1:
        raise ValueError(f"limit must be in 1..{MAX_LIMIT + 1}")
    query = select(AuditRecord)
    if before_id is not None:
        query = query.where(AuditRecord.id < before_id)
    if action is not None:
        query = query.where(AuditRecord.action == action)
    if action_prefix is not None:
        query = query.where(AuditRecord.action.startswith(action_prefix, autoescape=True))
    if target_type is not None:
        query = query.where(AuditRecord.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditRecord.target_id == target_id)
    if actor_id is not None:
        query = query.where(AuditRecord.actor_id == actor_id)
    if created_from is not None:
        query = query.where(AuditRecord.created_at >= created_from)
    if created_to is not None:
        query = query.where(AuditRecord.created_at < created_to)
    rows = await session.scalars(query.order_by(AuditRecord.id.desc()).limit(limit))
    return list(rows)


async def records_page(db: Database, *, page: PageParams, action: str | None = None,
                       action_prefix: str | None = None, target_type: str | None = None,
                       target_id: str | None = None, actor_id: int | None = None,
                       created_from: datetime | None = None,
                       created_to: datetime | None = None) -> Page[AuditRecord]:
    """One page of ``search``, newest first, in one read transaction. Raises ``InvalidInput``
    (bad cursor)."""
    async with db.transaction(readonly=True) as session:
        rows = await search(session, limit=page.fetch_limit, before_id=page.last_id,
                            action=action, action_prefix=action_prefix, target_type=target_type,
                            target_id=target_id, actor_id=actor_id, created_from=created_from,
                            created_to=created_to)
    return page_of(rows, page)
