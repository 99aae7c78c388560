"""Appending to the audit chain; called by every package in the transaction of the change."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord
from finplat.core.clock import ensure_utc
from finplat.core.context import actor_id_var, client_ip_var, request_id_var
from finplat.core.masking import scrub

HEAD_ID = 1


def compute_hash(*, previous_hash: str, sequence: int, actor_id: int | None, action: str,
                 target_type: str, target_id: str | None, summary: dict[str, Any],
                 request_id: str | None, ip: str | None, created_at: datetime) -> str:
    canonical = json.dumps(
        {
            "previous_hash": previous_hash, "sequence": sequence, "actor_id": actor_id,
            "action": action, "target_type": target_type, "target_id": target_id,
            "summary": summary, "request_id": request_id, "ip": ip,
            # Whole seconds: MySQL/MariaDB DATETIME columns drop the fraction, and the chain
            # must verify the same on every backend.
            "created_at": ensure_utc(created_at).replace(microsecond=0).isoformat(),
        },
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _scrub_summary(value: Any) -> Any:
    # Audit summaries describe a change; they must never carry personal data in clear.
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrub_summary(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_summary(v) for v in value]
    return value


async def record(session: AsyncSession, *, action: str, target_type: str,
                 target_id: str | int | None, now: datetime, summary: dict[str, Any] | None = None,
                 actor_id: int | None = None) -> AuditRecord:
    """Append one record to the chain, in the caller's transaction.

    The actor, request id and IP default to the current request's context. Appends serialise on
    the chain head row, which keeps the chain linear under concurrency.
    """
    head = await _lock_head(session)
    sequence, previous_hash = head.sequence + 1, head.last_hash
    fields = {
        "previous_hash": previous_hash, "sequence": sequence,
        "actor_id": actor_id if actor_id is not None else actor_id_var.get(),
        "action": action, "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        # Hashed exactly as it will read back from the JSON column (keys as strings, values
        # JSON-native), so that verification recomputes the same hash.
        "summary": json.loads(json.dumps(_scrub_summary(summary or {}), default=str)),
        "request_id": request_id_var.get(), "ip": client_ip_var.get(),
        "created_at": ensure_utc(now),
    }
    entry = AuditRecord(record_hash=compute_hash(**fields), **fields)
    session.add(entry)
    await session.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
        .values(sequence=sequence, last_hash=entry.record_hash))
    await session.flush()
    return entry


async def _lock_head(session: AsyncSession) -> Any:
    """The chain head under a row lock (SELECT ... FOR UPDATE works on every backend we run)."""
    query = (select(AuditChainHead.sequence, AuditChainHead.last_hash)
             .where(AuditChainHead.id == HEAD_ID).with_for_update())
    head = (await session.execute(query)).one_or_none()
    if head is not None:
        return head
    # The first append ever: two of them may race to create the head; the loser's insert fails
    # once the winner commits, and it then locks the winner's row like everyone else.
    try:
        async with session.begin_nested():
            await session.execute(insert(AuditChainHead).values(
                id=HEAD_ID, sequence=0, last_hash=GENESIS_HASH))
    except IntegrityError:
        pass
    return (await session.execute(query)).one()


async def latest(session: AsyncSession, limit: int = 20) -> list[AuditRecord]:
    rows = await session.scalars(
        select(AuditRecord).order_by(AuditRecord.sequence.desc()).limit(limit))
    return list(rows)
