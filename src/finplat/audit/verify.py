"""Recomputing the audit chain: an edited, inserted or deleted record breaks it.

Each record's hash covers its own fields, its sequence number and the previous record's hash, and
the chain head row holds the last sequence and hash. So an edited record fails its own hash, a
deleted one leaves a gap in the sequence (or a head that points past the end), and a record slipped
in either has a sequence that is not the next one, a ``previous_hash`` that does not link, or lies
beyond the head. The chain is not keyed: someone able to rewrite every later record and the head
could forge it, which is why operators anchor ``head_hash`` outside the database (see
docs/OPERATIONS.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord
from finplat.audit.service import HEAD_ID, compute_hash

BATCH_SIZE = 1_000


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    records: int
    head_sequence: int
    head_hash: str
    first_broken_sequence: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _recomputed(record: AuditRecord) -> str:
    return compute_hash(
        previous_hash=record.previous_hash, sequence=record.sequence, actor_id=record.actor_id,
        action=record.action, target_type=record.target_type, target_id=record.target_id,
        summary=record.summary, request_id=record.request_id, ip=record.ip,
        created_at=record.created_at)


def _check(record: AuditRecord, *, expected_sequence: int, previous_hash: str) -> str | None:
    if record.sequence < expected_sequence:
        return f"sequence {record.sequence} is out of order"
    if record.sequence > expected_sequence:
        return f"record {expected_sequence} is missing (next is {record.sequence})"
    if record.previous_hash != previous_hash:
        return f"record {record.sequence} does not link to the record before it"
    if _recomputed(record) != record.record_hash:
        return f"record {record.sequence} does not match its hash (edited)"
    return None


async def verify_chain(session: AsyncSession, *, batch_size: int = BATCH_SIZE) -> ChainReport:
    """Walk the whole chain in sequence order, in bounded batches; never raises on tampering.

    The report names the first broken sequence and what is wrong with it.
    """
    head = await session.get(AuditChainHead, HEAD_ID)
    head_sequence = head.sequence if head else 0
    head_hash = head.last_hash if head else GENESIS_HASH
    expected, previous_hash, count = 1, GENESIS_HASH, 0

    def broken(sequence: int, problem: str) -> ChainReport:
        return ChainReport(ok=False, records=count, head_sequence=head_sequence,
                           head_hash=head_hash, first_broken_sequence=sequence, problem=problem)

    while True:
        batch = list(await session.scalars(
            select(AuditRecord).where(AuditRecord.sequence >= expected)
            .order_by(AuditRecord.sequence).limit(batch_size)))
        if expected == 1:
            below = await session.scalar(select(AuditRecord.sequence)
                                         .where(AuditRecord.sequence < 1).limit(1))
            if below is not None:
                return broken(below, f"sequence {below} precedes the start of the chain")
        for record in batch:
            if record.sequence > head_sequence:
                return broken(record.sequence, f"record {record.sequence} lies beyond the "
                                               f"chain head ({head_sequence})")
            problem = _check(record, expected_sequence=expected, previous_hash=previous_hash)
            if problem is not None:
                return broken(expected, problem)
            expected, previous_hash, count = expected + 1, record.record_hash, count + 1
        if len(batch) < batch_size:
            break
    if count != head_sequence:
        return broken(count + 1, f"the chain head is at {head_sequence} but the chain ends at "
                                 f"{count}: records were deleted from the end")
    if previous_hash != head_hash:
        return broken(count, "the chain head's hash does not match the last record")
    return ChainReport(ok=True, records=count, head_sequence=head_sequence, head_hash=head_hash)
