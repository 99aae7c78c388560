"""Writing audit records; called by every package in the transaction of the change.

``record`` only inserts: the record carries a ``content_hash`` of what it says and stays unsealed
until ``finplat.audit.sealing.seal_pending`` links it into the hash chain. So business
transactions never wait on the chain head (see docs/OPERATIONS.md, "Audit log").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit.models import AuditRecord
from finplat.core.clock import ensure_utc
from finplat.core.context import actor_id_var, client_ip_var, request_id_var
from finplat.core.masking import scrub
from finplat.core.statements import inserted_id

HEAD_ID = 1
# Built once, values as parameters: every audited use case pays for this statement.
TABLE = cast(Table, AuditRecord.__table__)
_INSERT = insert(TABLE)


def _canonical(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def _sha256(value: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(value).encode()).hexdigest()


def _content(*, actor_id: int | None, action: str, target_type: str, target_id: str | None,
             summary: dict[str, Any], request_id: str | None, ip: str | None,
             created_at: datetime) -> dict[str, Any]:
    return {
        "actor_id": actor_id, "action": action, "target_type": target_type,
        "target_id": target_id, "summary": summary, "request_id": request_id, "ip": ip,
        # Whole seconds: MySQL/MariaDB DATETIME columns drop the fraction, and the chain
        # must verify the same on every backend.
        "created_at": ensure_utc(created_at).replace(microsecond=0).isoformat(),
    }


def compute_content_hash(*, actor_id: int | None, action: str, target_type: str,
                         target_id: str | None, summary: dict[str, Any], request_id: str | None,
                         ip: str | None, created_at: datetime) -> str:
    """The hash of what a record says, without its place in the chain."""
    return _sha256(_content(
        actor_id=actor_id, action=action, target_type=target_type, target_id=target_id,
        summary=summary, request_id=request_id, ip=ip, created_at=created_at))


def compute_link_hash(*, previous_hash: str, sequence: int, content_hash: str) -> str:
    """A sealed record's ``record_hash``: its content bound to its place after ``previous_hash``."""
    return _sha256({"previous_hash": previous_hash, "sequence": sequence,
                    "content_hash": content_hash})


def compute_hash(*, previous_hash: str, sequence: int, actor_id: int | None, action: str,
                 target_type: str, target_id: str | None, summary: dict[str, Any],
                 request_id: str | None, ip: str | None, created_at: datetime) -> str:
    """The ``record_hash`` that a record with these fields has once sealed at ``sequence``."""
    content_hash = compute_content_hash(
        actor_id=actor_id, action=action, target_type=target_type, target_id=target_id,
        summary=summary, request_id=request_id, ip=ip, created_at=created_at)
    return compute_link_hash(previous_hash=previous_hash, sequence=sequence,
                             content_hash=content_hash)


def _scrub_summary(value: Any) -> Any:
    # Audit summaries describe a change; they must never carry personal data in clear.
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrub_summary(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_summary(v) for v in value]
    return value


def _fields(*, action: str, target_type: str, now: datetime, summary: dict[str, Any] | None,
            actor_id: int | None) -> dict[str, Any]:
    """A record's fields but its target id; the actor, request id and IP default to the
    current request's context."""
    return {
        "actor_id": actor_id if actor_id is not None else actor_id_var.get(),
        "action": action, "target_type": target_type,
        # Hashed exactly as it will read back from the JSON column (keys as strings, values
        # JSON-native), so that verification recomputes the same hash.
        "summary": json.loads(json.dumps(_scrub_summary(summary or {}), default=str)),
        "request_id": request_id_var.get(), "ip": client_ip_var.get(),
        "created_at": ensure_utc(now),
    }


async def record(session: AsyncSession, *, action: str, target_type: str,
                 target_id: str | int | None, now: datetime, summary: dict[str, Any] | None = None,
                 actor_id: int | None = None) -> int:
    """Write one unsealed record, in the caller's transaction (so it exists iff the change commits).

    Takes no lock beyond the insert; ``sequence``, ``previous_hash`` and ``record_hash`` stay
    NULL until sealed. Raises nothing of its own (database errors propagate).
    """
    # A plain insert, not a unit-of-work flush: every audited use case pays for this call.
    result = await session.execute(_INSERT, row(
        action=action, target_type=target_type, target_id=target_id, now=now, summary=summary,
        actor_id=actor_id))
    return inserted_id(result)


def deferred(*, action: str, target_type: str, target_id: str | int | None, now: datetime,
             summary: dict[str, Any] | None = None,
             actor_id: int | None = None) -> tuple[Table, dict[str, Any]]:
    """The record ``record`` would write, as ``(table, row)`` for the caller to insert with the
    other rows of the change (``core.idempotency.Outcome.rows``): it exists iff they commit."""
    return TABLE, row(action=action, target_type=target_type, target_id=target_id, now=now,
                      summary=summary, actor_id=actor_id)


def row(*, action: str, target_type: str, target_id: str | int | None, now: datetime,
        summary: dict[str, Any] | None = None, actor_id: int | None = None) -> dict[str, Any]:
    """The row ``record`` inserts into ``TABLE``, for a caller that sends it together with
    other rows of the same change (``finplat.events.service.record``)."""
    fields = _fields(action=action, target_type=target_type, now=now, summary=summary,
                     actor_id=actor_id)
    fields["target_id"] = None if target_id is None else str(target_id)
    return {"content_hash": compute_content_hash(**fields), "sequence": None,
            "previous_hash": None, "record_hash": None, **fields}


async def record_many(session: AsyncSession, *,
                      records: Sequence[tuple[str, str, str | int, dict[str, Any]]],
                      now: datetime, actor_id: int | None = None) -> None:
    """``record`` for many changes at once, ``(action, target_type, target_id, summary)`` each:
    one multi-row insert (the bulk jobs record one change per order or holding of a chunk)."""
    rows = []
    for action, target_type, target_id, summary in records:
        fields = _fields(action=action, target_type=target_type, now=now, summary=summary,
                         actor_id=actor_id)
        fields["target_id"] = str(target_id)
        rows.append({"content_hash": compute_content_hash(**fields), "sequence": None,
                     "previous_hash": None, "record_hash": None, **fields})
    if rows:
        await session.execute(insert(cast(Table, AuditRecord.__table__)), rows)


async def latest(session: AsyncSession, limit: int = 20) -> list[AuditRecord]:
    """The newest ``limit`` records, sealed or not (newest first)."""
    rows = await session.scalars(
        select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit))
    return list(rows)
