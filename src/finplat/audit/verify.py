"""Recomputing the audit chain: an edited, inserted or deleted sealed record breaks it.

A sealed record's hash covers its content hash, its sequence number and the previous record's
hash, and the chain head row holds the last sequence and hash. So an edited record fails its own
hash, a deleted one leaves a gap in the sequence (or a head that points past the end), and a record
slipped in either has a sequence that is not the next one, a ``previous_hash`` that does not link,
or lies beyond the head. An unsealed record (not yet linked by the sealer) is checked against its
own ``content_hash`` only; one left unsealed for longer than ``UNSEALED_MAX_AGE`` means the sealer
is not running. The chain is not keyed: someone able to rewrite every later record and the head
could forge it, which is why operators anchor ``head_hash`` outside the database (see
docs/OPERATIONS.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord
from finplat.audit.service import HEAD_ID, compute_content_hash, compute_link_hash
from finplat.core.clock import ensure_utc
from finplat.core.db import Database

BATCH_SIZE = 1_000
UNSEALED_MAX_AGE = timedelta(minutes=10)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    records: int
    head_sequence: int
    head_hash: str
    first_broken_sequence: int | None = None
    problem: str | None = None
    unsealed: int = 0
    first_broken_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _content_hash(record: AuditRecord) -> str:
    return compute_content_hash(
        actor_id=record.actor_id, action=record.action, target_type=record.target_type,
        target_id=record.target_id, summary=record.summary, request_id=record.request_id,
        ip=record.ip, created_at=record.created_at)


def _check(record: AuditRecord, *, expected_sequence: int, previous_hash: str) -> str | None:
    assert record.sequence is not None
    if record.sequence < expected_sequence:
        return f"sequence {record.sequence} is out of order"
    if record.sequence > expected_sequence:
        return f"record {expected_sequence} is missing (next is {record.sequence})"
    if record.previous_hash != previous_hash:
        return f"record {record.sequence} does not link to the record before it"
    content_hash = _content_hash(record)
    linked = compute_link_hash(previous_hash=previous_hash, sequence=record.sequence,
                               content_hash=content_hash)
    if content_hash != record.content_hash or linked != record.record_hash:
        return f"record {record.sequence} does not match its hash (edited)"
    return None


async def _sealed_problem(session: AsyncSession, *, head_sequence: int, head_hash: str,
                          batch_size: int) -> tuple[int, int | None, str | None]:
    """Walks the sealed records in sequence order: (records, first broken sequence, problem)."""
    expected, previous_hash, count = 1, GENESIS_HASH, 0
    while True:
        batch = list(await session.scalars(
            select(AuditRecord).where(AuditRecord.sequence >= expected)
            .order_by(AuditRecord.sequence).limit(batch_size)))
        if expected == 1:
            below = await session.scalar(select(AuditRecord.sequence)
                                         .where(AuditRecord.sequence < 1).limit(1))
            if below is not None:
                return count, below, f"sequence {below} precedes the start of the chain"
        for record in batch:
            assert record.sequence is not None
            if record.sequence > head_sequence:
                return count, record.sequence, (f"record {record.sequence} lies beyond the "
                                                f"chain head ({head_sequence})")
            problem = _check(record, expected_sequence=expected, previous_hash=previous_hash)
            if problem is not None:
                return count, expected, problem
            # _check compared record_hash with a computed hash, so it is not NULL here.
            assert record.record_hash is not None
            expected, previous_hash, count = expected + 1, record.record_hash, count + 1
        if len(batch) < batch_size:
            break
    if count != head_sequence:
        return count, count + 1, (f"the chain head is at {head_sequence} but the chain ends at "
                                  f"{count}: records were deleted from the end")
    if previous_hash != head_hash:
        return count, count, "the chain head's hash does not match the last record"
    return count, None, None


async def _unsealed_problem(session: AsyncSession, *, now: datetime | None,
                            max_age: timedelta, batch_size: int) -> tuple[int | None, str | None]:
    """Checks unsealed records in id order: (first broken id, problem)."""
    after_id = 0
    while True:
        batch = list(await session.scalars(
            select(AuditRecord)
            .where(AuditRecord.sequence.is_(None), AuditRecord.id > after_id)
            .order_by(AuditRecord.id).limit(batch_size)))
        for record in batch:
            if (record.previous_hash is not None or record.record_hash is not None
                    or _content_hash(record) != record.content_hash):
                return record.id, f"unsealed record id {record.id} does not match its hash (edited)"
            if now is not None and ensure_utc(record.created_at) < now - max_age:
                return record.id, (f"unsealed record id {record.id} is older than "
                                   f"{max_age}: is the audit sealer running?")
            after_id = record.id
        if len(batch) < batch_size:
            return None, None


async def verify_chain(session: AsyncSession, *, batch_size: int = BATCH_SIZE,
                       now: datetime | None = None,
                       unsealed_max_age: timedelta = UNSEALED_MAX_AGE) -> ChainReport:
    """Walk the sealed chain in sequence order, then the unsealed records, in bounded batches.

    Never raises on tampering: the report names the first broken sequence (or, for an unsealed
    record, ``first_broken_id``) and what is wrong. With ``now``, an unsealed record created more
    than ``unsealed_max_age`` before it is a problem too.
    """
    head = await session.get(AuditChainHead, HEAD_ID)
    head_sequence = head.sequence if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    unsealed = int(await session.scalar(select(func.count()).select_from(AuditRecord)
                                        .where(AuditRecord.sequence.is_(None))) or 0)
    count, broken_sequence, problem = await _sealed_problem(
        session, head_sequence=head_sequence, head_hash=head_hash, batch_size=batch_size)
    report = ChainReport(ok=problem is None, records=count, head_sequence=head_sequence,
                         head_hash=head_hash, first_broken_sequence=broken_sequence,
                         problem=problem, unsealed=unsealed)
    if problem is not None:
        return report
    broken_id, problem = await _unsealed_problem(
        session, now=None if now is None else ensure_utc(now), max_age=unsealed_max_age,
        batch_size=batch_size)
    if problem is None:
        return report
    return ChainReport(ok=False, records=count, head_sequence=head_sequence, head_hash=head_hash,
                       problem=problem, unsealed=unsealed, first_broken_id=broken_id)


async def verify_database(db: Database, *, now: datetime | None = None) -> ChainReport:
    """``verify_chain`` in one read transaction (what ``/admin/audit/verify`` serves)."""
    async with db.transaction(readonly=True) as session:
        return await verify_chain(session, now=now)
