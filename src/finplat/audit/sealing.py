"""Sealing: linking unsealed audit records into the hash chain, in batches, off the hot path.

Only the sealer locks the chain head, so audited business transactions never queue on it. The
head row lock (SELECT ... FOR UPDATE on PostgreSQL and MariaDB; SQLite serialises writers) makes
concurrent sealers take turns, and the unique ``sequence`` plus the ``sequence IS NULL`` guard on
each update make a forked chain fail loudly instead of being written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord
from finplat.audit.service import HEAD_ID, compute_link_hash
from finplat.core.clock import Clock
from finplat.core.db import Database
from finplat.core.statements import insert_unless_taken, update_many

log = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_BATCH_SIZE = 5_000
SEAL_INTERVAL_SECONDS = 1.0


class SealingConflict(RuntimeError):
    """A record was sealed under the sealer's feet: the head lock did not hold (never expected)."""


async def lock_head(session: AsyncSession) -> Any:
    """The chain head (``sequence``, ``last_hash``) under a row lock, created on first use."""
    query = (select(AuditChainHead.sequence, AuditChainHead.last_hash)
             .where(AuditChainHead.id == HEAD_ID).with_for_update())
    head = (await session.execute(query)).one_or_none()
    if head is not None:
        return head
    # The first seal ever: two sealers may race to create the head; the loser's insert waits
    # for the winner's commit, inserts nothing, and it then locks the winner's row.
    await insert_unless_taken(session, AuditChainHead,
                              {"id": HEAD_ID, "sequence": 0, "last_hash": GENESIS_HASH})
    return (await session.execute(query)).one()


async def _seal_batch(session: AsyncSession, *, batch_size: int) -> int:
    head = await lock_head(session)
    # Read after taking the lock: under READ COMMITTED this sees every earlier sealer's work.
    pending = (await session.execute(
        select(AuditRecord.id, AuditRecord.content_hash)
        .where(AuditRecord.sequence.is_(None))
        .order_by(AuditRecord.id).limit(batch_size))).all()
    sequence, previous_hash = head.sequence, head.last_hash
    links: list[dict[str, Any]] = []
    for record_id, content_hash in pending:
        sequence += 1
        record_hash = compute_link_hash(previous_hash=previous_hash, sequence=sequence,
                                        content_hash=content_hash)
        links.append({"id": record_id, "sequence": sequence,
                      "previous_hash": previous_hash, "record_hash": record_hash})
        previous_hash = record_hash
    if links:
        await _write_links(session, links)
    if pending:
        await session.execute(
            update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
            .values(sequence=sequence, last_hash=previous_hash))
    return len(pending)


async def _write_links(session: AsyncSession, links: list[dict[str, Any]]) -> None:
    """Write a batch's links in one statement (``core.statements.update_many``); each update is
    guarded by ``sequence IS NULL``, so fewer rows changed than links means a fork."""
    table = cast(Table, AuditRecord.__table__)
    changed = await update_many(session, table, links, key="id", guard=table.c.sequence.is_(None))
    if changed != len(links):
        raise SealingConflict("audit records of this batch were sealed concurrently")


async def seal_pending(db: Database, *, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Seal up to ``batch_size`` unsealed records (oldest id first) in one transaction.

    Returns how many were sealed. ``now`` is when the sealing happens (logged with the batch).
    Raises ``ValueError`` on a bad ``batch_size`` and ``SealingConflict`` if a record it read
    as unsealed was sealed by someone else (the batch then rolls back).
    """
    if not 0 < batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be in 1..{MAX_BATCH_SIZE}")
    sealed = await db.run(lambda session: _seal_batch(session, batch_size=batch_size))
    if sealed:
        log.debug("sealed %d audit records at %s", sealed, now.isoformat())
    return sealed


async def seal_all(db: Database, *, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Seal batch after batch until nothing is left; returns the total sealed."""
    total = 0
    while True:
        sealed = await seal_pending(db, now=now, batch_size=batch_size)
        total += sealed
        if sealed < batch_size:
            return total


async def run_forever(db: Database, *, clock: Clock, stop: asyncio.Event,
                      interval_seconds: float = SEAL_INTERVAL_SECONDS,
                      batch_size: int = BATCH_SIZE) -> None:
    """Seal every ``interval_seconds`` (at once again while batches come back full) until ``stop``,
    then one last batch, so that a clean shutdown leaves little for the next sealer.

    A failed round is logged and retried on the next tick; it never ends the loop.
    """
    while True:
        stopping = stop.is_set()
        sealed = 0
        try:
            sealed = await seal_pending(db, now=clock.now(), batch_size=batch_size)
        except Exception:
            log.exception("sealing the audit log failed; retrying")
        if stopping:
            return
        if sealed >= batch_size:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
