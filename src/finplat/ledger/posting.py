"""The write path of the ledger: one balanced entry, its postings and the account totals.

Every money movement ends in ``write_entry``. It checks the entry in Python (two or more legs,
positive amounts, one currency, debits = credits), then updates the accounts that keep a running
balance in ascending id order, one guarded ``UPDATE ... RETURNING`` per account: the overdraft
rule is part of the statement's WHERE clause, so it is decided under the row lock in the same
round trip and can never be raced. The database checks again (CHECK constraints; on PostgreSQL
a deferred trigger that each entry's legs sum to zero).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, insert, not_, or_, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.prebuilt import Prebuilt
from finplat.ledger.entries import (
    CREDIT,
    DEBIT,
    MAX_LEGS,
    AccountState,
    Delta,
    EntrySpec,
    Leg,
    check_legs,
    credit,
    debit,
    deltas_of,
    validate_source,
    within_limits,
)
from finplat.ledger.exceptions import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    DuplicateSource,
    InsufficientFunds,
    InvalidPostings,
)
from finplat.ledger.models import LedgerAccount, LedgerEntry, LedgerPosting

# The definitions of an entry (``finplat.ledger.entries``), imported from here by the ledger's
# other writers as well.
__all__ = ["CREDIT", "DEBIT", "MAX_LEGS", "AccountState", "Delta", "EntrySpec", "Leg",
           "check_legs", "credit", "debit", "deltas_of", "validate_source", "within_limits"]

ACCOUNT = cast(Table, LedgerAccount.__table__)
ENTRY = cast(Table, LedgerEntry.__table__)
POSTING = cast(Table, LedgerPosting.__table__)


def dialect(session: AsyncSession) -> Dialect:
    return session.get_bind().dialect


def inserted_id(result: Any) -> int:
    key = cast(CursorResult[Any], result).inserted_primary_key
    assert key is not None, "an INSERT of one row always has its primary key"
    return int(key[0])


def rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


async def load_accounts(session: AsyncSession,
                        account_ids: Sequence[int]) -> dict[int, AccountState]:
    """The accounts as they are now (read without a lock). Raises ``AccountNotFound``."""
    a = ACCOUNT.c
    rows = (await session.execute(
        select(a.id, a.normal_balance, a.currency, a.tracks_balance, a.status, a.debits_posted,
               a.credits_posted, a.version, a.debits_pending, a.credits_pending,
               a.debits_must_not_exceed_credits, a.credits_must_not_exceed_debits)
        .where(a.id.in_(sorted(set(account_ids))))
    )).all()
    states = {row.id: AccountState(*row) for row in rows}
    for account_id in account_ids:
        if account_id not in states:
            raise AccountNotFound(account_id)
    return states


def _guarded_update(account_id: int, delta: Delta, now: datetime, *, allow_frozen: bool) -> Any:
    a = ACCOUNT.c
    debits_after = a.debits_posted + a.debits_pending + (delta.debits_posted + delta.debits_pending)
    credits_after = (a.credits_posted + a.credits_pending
                     + (delta.credits_posted + delta.credits_pending))
    statuses = ("open", "frozen") if allow_frozen else ("open",)
    return (
        update(ACCOUNT)
        .where(a.id == account_id, a.status.in_(statuses),
               or_(not_(a.debits_must_not_exceed_credits),
                   debits_after <= a.credits_posted + delta.credits_posted),
               or_(not_(a.credits_must_not_exceed_debits),
                   credits_after <= a.debits_posted + delta.debits_posted))
        .values(debits_posted=a.debits_posted + delta.debits_posted,
                credits_posted=a.credits_posted + delta.credits_posted,
                debits_pending=a.debits_pending + delta.debits_pending,
                credits_pending=a.credits_pending + delta.credits_pending,
                version=a.version + 1, updated_at=now)
    )


async def _update_account(session: AsyncSession, account_id: int, delta: Delta, now: datetime, *,
                          allow_frozen: bool) -> tuple[int, int, int] | None:
    """New (debits_posted, credits_posted, version), or None when the guard refused."""
    statement = _guarded_update(account_id, delta, now, allow_frozen=allow_frozen)
    a = ACCOUNT.c
    if dialect(session).update_returning:
        row = (await session.execute(
            statement.returning(a.debits_posted, a.credits_posted, a.version))).first()
        return None if row is None else (row[0], row[1], row[2])
    result = await session.execute(statement)
    if rowcount(result) != 1:
        return None
    row = (await session.execute(select(a.debits_posted, a.credits_posted, a.version)
                                 .where(a.id == account_id))).one()
    return row[0], row[1], row[2]


async def _refusal(session: AsyncSession, account_id: int, *, allow_frozen: bool) -> Exception:
    """Why a guarded update touched no row."""
    status = await session.scalar(select(ACCOUNT.c.status).where(ACCOUNT.c.id == account_id))
    if status is None:
        return AccountNotFound(account_id)
    if status == "closed":
        return AccountClosed(account_id)
    if status == "frozen" and not allow_frozen:
        return AccountFrozen(account_id)
    return InsufficientFunds(account_id)


async def apply_deltas(session: AsyncSession, states: Mapping[int, AccountState],
                       deltas: Mapping[int, Delta], now: datetime, *,
                       allow_frozen: bool) -> dict[int, tuple[int, int, int]]:
    """Update every account that keeps a running balance, in ascending id order (the one lock
    order used everywhere, so two entries never deadlock on each other). Returns the new totals
    per updated account. Raises ``InsufficientFunds``, ``AccountFrozen``, ``AccountClosed``."""
    after: dict[int, tuple[int, int, int]] = {}
    for account_id in sorted(deltas):
        state = states[account_id]
        delta = deltas[account_id]
        if state.status == "closed":
            raise AccountClosed(account_id)
        if state.status == "frozen" and not allow_frozen:
            raise AccountFrozen(account_id)
        if not state.tracks_balance:
            # Hot accounts keep no running balance: no row lock, so they never serialise
            # transfers; only their state, read without a lock, matters.
            continue
        if not within_limits(state, delta):
            # Refused in Python first, on the state this transaction read; the guarded UPDATE
            # below stays the authority for whatever changed since.
            raise InsufficientFunds(account_id)
        totals = await _update_account(session, account_id, delta, now, allow_frozen=allow_frozen)
        if totals is None:
            raise await _refusal(session, account_id, allow_frozen=allow_frozen)
        after[account_id] = totals
    return after


def posting_rows(spec: EntrySpec, entry_id: int, states: Mapping[int, AccountState],
                 after: Mapping[int, tuple[int, int, int]], now: datetime) -> list[dict[str, Any]]:
    """Posting rows with each account's balance and version after the leg."""
    # Walk back from the totals after the whole entry to the totals before it.
    running: dict[int, list[int]] = {}
    for account_id, (debits, credits, version) in after.items():
        legs = [leg for leg in spec.legs if leg.account_id == account_id]
        if not spec.pending:
            debits -= sum(leg.amount.amount_minor for leg in legs if leg.direction == DEBIT)
            credits -= sum(leg.amount.amount_minor for leg in legs if leg.direction == CREDIT)
        running[account_id] = [debits, credits, version - 1]
    rows = []
    for leg in spec.legs:
        balance_after = version_after = None
        current = running.get(leg.account_id)
        if current is not None:
            if not spec.pending:
                current[0 if leg.direction == DEBIT else 1] += leg.amount.amount_minor
            # An account touched by several legs advances its version once per entry.
            version_after = current[2] + 1
            balance_after = states[leg.account_id].balance_minor(current[0], current[1])
        rows.append({"entry_id": entry_id, "account_id": leg.account_id,
                     "direction": leg.direction, "amount_minor": leg.amount.amount_minor,
                     "pending": spec.pending, "balance_after_minor": balance_after,
                     "account_version": version_after, "created_at": now})
    return rows


async def insert_entry(session: AsyncSession, spec: EntrySpec, now: datetime) -> int:
    """Raises ``DuplicateSource`` when the source already has an entry."""
    try:
        result = await session.execute(insert(ENTRY).values(
            source_type=spec.source_type, source_id=spec.source_id, code=spec.code,
            entry_type=spec.entry_type, hold_id=spec.hold_id,
            reverses_entry_id=spec.reverses_entry_id, reference=spec.reference,
            metadata=dict(spec.metadata or {}), created_at=now))
    except IntegrityError as error:
        raise DuplicateSource(spec.source_type, spec.source_id) from error
    return inserted_id(result)


async def write_entry(session: AsyncSession, spec: EntrySpec, *, now: datetime) -> int:
    """Write one entry in the caller's transaction; returns its id.

    On any error the caller's transaction must be rolled back (``Database.run`` and
    ``Database.transaction`` do): account updates made before the refusal are not undone here.
    Raises ``InvalidPostings``, ``Unbalanced``, ``AccountNotFound``, ``AccountFrozen``,
    ``AccountClosed``, ``InsufficientFunds``, ``DuplicateSource``.
    """
    entry_id, _row_id = await _write(session, spec, now=now, then=None)
    return entry_id


async def write_entry_then(session: AsyncSession, spec: EntrySpec, *, now: datetime,
                           table: Table, row: Mapping[str, Any]) -> tuple[int, int]:
    """``write_entry``, then ``row`` of ``table`` naming the entry (its ``entry_id`` column is
    set here): one round trip on PostgreSQL. Returns the entry's id and the row's primary key.
    Raises what ``write_entry`` raises (and nothing is inserted then)."""
    entry_id, row_id = await _write(session, spec, now=now, then=(table, row))
    assert row_id is not None
    return entry_id, row_id


async def _write(session: AsyncSession, spec: EntrySpec, *, now: datetime,
                 then: tuple[Table, Mapping[str, Any]] | None) -> tuple[int, int | None]:
    now = ensure_utc(now)
    validate_source(spec.source_type, spec.source_id, spec.code)
    currency = check_legs(spec.legs, allow_empty=bool(spec.releases))
    deltas = deltas_of(spec)
    if dialect(session).name == "postgresql":
        # The ledger's one write primitive in SQL (the only dialect branch of the write path):
        # the same checks and rows as below, in one round trip.
        return await _write_entry_postgresql(session, spec, deltas, currency, now, then)
    entry_id = await _write_portable(session, spec, deltas, currency, now)
    if then is None:
        return entry_id, None
    table, values = then
    return entry_id, inserted_id(await session.execute(insert(table),
                                                        {**values, "entry_id": entry_id}))


async def _write_portable(session: AsyncSession, spec: EntrySpec, deltas: Mapping[int, Delta],
                          currency: str | None, now: datetime) -> int:
    states = await load_accounts(session, list(deltas))
    if currency is not None and any(states[leg.account_id].currency != currency
                                    for leg in spec.legs):
        raise InvalidPostings("posting currency differs from the account's currency")
    # Claim the source first: a duplicate fails before any account row is locked.
    entry_id = await insert_entry(session, spec, now)
    after = await apply_deltas(session, states, deltas, now, allow_frozen=spec.allow_frozen)
    if spec.legs:
        rows = posting_rows(spec, entry_id, states, after, now)
        await session.execute(insert(POSTING).values(rows))
    return entry_id


_PG_CALL = ("SELECT entry_id, error_code, error_account FROM ledger_write_entry("
            ":source_type, :source_id, :code, :entry_type, :hold_id, :reverses_entry_id, "
            ":reference, CAST(:metadata AS JSONB), :now, :pending, :allow_frozen, :currency, "
            ":accounts, :debits_posted, :credits_posted, :debits_pending, :credits_pending, "
            ":leg_accounts, :leg_directions, :leg_amounts)")
_PG_WRITE_ENTRY = Prebuilt(text(_PG_CALL))


@functools.cache
def _pg_write_entry_then(table: Table, keys: tuple[str, ...]) -> Prebuilt:
    """The entry written, then one row of ``table`` naming it (only if the entry was written),
    in one statement: ``WITH e AS (<the call>), r AS (INSERT ... SELECT e.entry_id, ... FROM e
    WHERE no refusal RETURNING key) SELECT e.*, (SELECT key FROM r) FROM e``."""
    pg = postgresql.dialect()
    key = next(iter(table.primary_key.columns)).name
    names = ", ".join(["entry_id", *keys])
    values = ", ".join(f"CAST(:r_{name} AS {table.c[name].type.compile(dialect=pg)})"
                       for name in keys)
    # Names from the table's own metadata, values as parameters: nothing from a caller's text.
    return Prebuilt(text(
        f"WITH e AS ({_PG_CALL}), r AS (INSERT INTO {table.name} ({names}) "  # noqa: S608
        f"SELECT e.entry_id, {values} FROM e WHERE e.error_code IS NULL RETURNING {key}) "
        f"SELECT e.entry_id, e.error_code, e.error_account, (SELECT {key} FROM r) AS row_id "
        f"FROM e"))

PG_REFUSALS: dict[str, Callable[[int], Exception]] = {
    "not_found": AccountNotFound, "closed": AccountClosed, "frozen": AccountFrozen,
    "insufficient": InsufficientFunds,
    "currency": lambda _id: InvalidPostings("posting currency differs from the account's currency"),
}


async def _write_entry_postgresql(
    session: AsyncSession, spec: EntrySpec, deltas: Mapping[int, Delta], currency: str | None,
    now: datetime, then: tuple[Table, Mapping[str, Any]] | None,
) -> tuple[int, int | None]:
    """The same write as the portable path, in one round trip (``ledger_write_entry`` in the
    0003 migration): on PostgreSQL the round trips, not the statements, are what cost."""
    accounts = sorted(deltas)
    parameters = {
        "source_type": spec.source_type, "source_id": spec.source_id, "code": spec.code,
        "entry_type": spec.entry_type, "hold_id": spec.hold_id,
        "reverses_entry_id": spec.reverses_entry_id, "reference": spec.reference,
        "metadata": json.dumps(dict(spec.metadata or {}), ensure_ascii=False, default=str),
        "now": now, "pending": spec.pending, "allow_frozen": spec.allow_frozen,
        "currency": currency, "accounts": accounts,
        "debits_posted": [deltas[a].debits_posted for a in accounts],
        "credits_posted": [deltas[a].credits_posted for a in accounts],
        "debits_pending": [deltas[a].debits_pending for a in accounts],
        "credits_pending": [deltas[a].credits_pending for a in accounts],
        "leg_accounts": [leg.account_id for leg in spec.legs],
        "leg_directions": [leg.direction for leg in spec.legs],
        "leg_amounts": [leg.amount.amount_minor for leg in spec.legs],
    }
    statement = _PG_WRITE_ENTRY
    if then is not None:
        table, values = then
        statement = _pg_write_entry_then(table, tuple(values))
        parameters.update({f"r_{name}": value for name, value in values.items()})
    try:
        # Through the driver on the session's connection once its transaction has begun.
        row = await statement.first(session, parameters)
    except IntegrityError as error:
        raise DuplicateSource(spec.source_type, spec.source_id) from error
    assert row is not None, "the call gives one row"
    entry_id, error_code, error_account = row[0], row[1], row[2]
    if error_code is not None:
        raise PG_REFUSALS[error_code](error_account)
    return int(entry_id), None if then is None else int(row[3])


def entry_filter(source_type: str, source_id: str) -> Any:
    return and_(ENTRY.c.source_type == source_type, ENTRY.c.source_id == source_id)
