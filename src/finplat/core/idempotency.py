"""Idempotent execution of money-moving requests.

The first answer to ``(scope, key)`` is stored in the same transaction as the work it describes
and replayed for the same request; the same key with another request is a 409. Failures that
depend on state (insufficient funds, a closed window) are remembered too, so a retry much later
cannot turn a refused request into an accepted one.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict, DomainError
from finplat.core.models import IdempotencyRecord
from finplat.core.statements import InsertTogether, insert_unless_taken

_PENDING = 0
_RECORDS = cast(Table, IdempotencyRecord.__table__)


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool = field(default=False, compare=False)
    # Rows of the work still to insert, one per table, ``(table, row)``: sent with the stored
    # answer in one round trip where the database can (``core.statements.InsertTogether``).
    rows: tuple[tuple[Table, Mapping[str, Any]], ...] = field(
        default=(), compare=False, repr=False)


class _KeyTaken(Exception):
    """Another transaction claimed the same key first; retry to replay its answer."""


def request_hash(payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _claim(
    session: AsyncSession, *, scope: str, key: str, digest: str, now: datetime
) -> Outcome | int:
    """The first answer to replay, or the id of the newly claimed (pending) record to fill in.

    The key is claimed before the work is done: a concurrent twin waits on the unique index
    and, once we commit, replays our answer instead of doing the work twice.
    """
    values = {"scope": scope, "key": key, "request_hash": digest, "status_code": _PENDING,
              "response_body": {}, "created_at": now}
    # One round trip in the usual case (a new key): insert unless the key is taken.
    claimed = await insert_unless_taken(session, IdempotencyRecord, values)
    if claimed is not None:
        return int(claimed)
    existing = await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )
    if existing is not None:
        if existing.request_hash != digest:
            raise Conflict(
                "idempotency.key_reused",
                "this Idempotency-Key was already used for a different request",
            )
        return Outcome(existing.status_code, existing.response_body, replayed=True)
    raise _KeyTaken  # the twin's record went away between the two statements: start again


async def _store_answer(
    session: AsyncSession, *, scope: str, key: str, digest: str, outcome: Outcome, now: datetime
) -> None:
    """Store ``outcome`` under the key with one insert, after the work; raises ``_KeyTaken`` when
    the key has a record already (a twin committed first, or this is a replay): the caller's
    transaction is then rolled back, work and all, and the next attempt replays the answer."""
    values = {"scope": scope, "key": key, "request_hash": digest,
              "status_code": outcome.status_code, "response_body": outcome.body,
              "created_at": now}
    if outcome.rows:
        together = _together(tuple(table for table, _row in outcome.rows))
        stored = await together(session, *(row for _table, row in outcome.rows), values)
    else:
        stored = await insert_unless_taken(session, IdempotencyRecord, values)
    if stored is None:
        raise _KeyTaken


@functools.cache
def _together(tables: tuple[Table, ...]) -> InsertTogether:
    return InsertTogether(*tables, _RECORDS, unless_taken=True)


async def _answered(db: Database, *, scope: str, key: str, digest: str) -> Outcome | None:
    """The answer stored under the key, if any. Raises ``Conflict('idempotency.key_reused')``."""
    async def read(session: AsyncSession) -> Outcome | None:
        existing = await session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key))
        if existing is None or existing.status_code == _PENDING:
            return None
        if existing.request_hash != digest:
            raise Conflict("idempotency.key_reused",
                           "this Idempotency-Key was already used for a different request")
        return Outcome(existing.status_code, existing.response_body, replayed=True)

    return await db.run(read, readonly=True)


async def execute(
    db: Database,
    *,
    scope: str,
    key: str,
    payload: Mapping[str, Any],
    work: Callable[[AsyncSession], Awaitable[Outcome]],
    now: datetime,
    claim_after_work: bool = False,
) -> Outcome:
    """Run ``work`` once per ``(scope, key)``; replay its first outcome afterwards.

    By default the key is claimed first (a pending record, filled in after the work: two
    statements), so that a concurrent twin waits for the answer instead of doing the work.
    With ``claim_after_work`` the answer is stored with one insert after the work: a twin then
    does the work too, until its own insert waits for ours and finds the key taken, which rolls
    its work back and replays our answer; a refusal of its work (the funds our twin just held)
    also replays our answer. For use cases whose work may run twice up to the commit (a deposit
    order, a hold on the wallet), one round trip less.

    Raises ``Conflict('idempotency.key_reused')`` for the same key with another payload, and
    re-raises the ``DomainError`` of a first failed attempt (after remembering it).
    """
    digest = request_hash(payload)
    after_work = [claim_after_work]

    async def attempt(session: AsyncSession) -> Outcome:
        if after_work[0]:
            outcome = await work(session)
            await _store_answer(session, scope=scope, key=key, digest=digest, outcome=outcome,
                                now=now)
            return outcome
        claimed = await _claim(session, scope=scope, key=key, digest=digest, now=now)
        if isinstance(claimed, Outcome):
            return claimed
        outcome = await work(session)
        for table, row in outcome.rows:
            await session.execute(insert(table), row)
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == claimed)
            .values(status_code=outcome.status_code, response_body=outcome.body)
            .execution_options(synchronize_session=False)
        )
        return outcome

    for _ in range(3):
        try:
            return await db.run(attempt)
        except _KeyTaken:
            after_work[0] = False  # the key has a record: claim it first now, to replay it
            continue
        except DomainError as error:
            if error.code.startswith("idempotency."):
                raise
            if after_work[0]:
                answered = await _answered(db, scope=scope, key=key, digest=digest)
                if answered is not None:
                    return answered
            await _remember_failure(db, scope=scope, key=key, digest=digest, error=error, now=now)
            raise
    raise Conflict("idempotency.in_progress", "a request with this Idempotency-Key is in progress")


async def _remember_failure(
    db: Database, *, scope: str, key: str, digest: str, error: DomainError, now: datetime
) -> None:
    async def remember(session: AsyncSession) -> None:
        # Someone may have answered this key meanwhile; their answer stands.
        await insert_unless_taken(session, IdempotencyRecord, {
            "scope": scope, "key": key, "request_hash": digest, "status_code": error.status,
            "response_body": error.problem(), "created_at": now})

    await db.run(remember)
