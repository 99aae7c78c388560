"""Set-based ledger writes: many entries built in Python, in a constant number of statements
whatever their number (``transfers.py`` builds them for many one-to-many transfers; holds are
posted in bulk by ``bulk_holds.py`` and one entry paying many accounts is written by
``spread.py``, both from rows computed in the database). The statements, the same on SQLite,
PostgreSQL and MariaDB:

1. lock the accounts that keep a running balance, ``SELECT ... ORDER BY id FOR UPDATE`` (the one
   lock order used everywhere), and read the state of the others without a lock;
2. insert every entry in one multi-row INSERT (the unique source refuses a repeat) and read
   their ids back by source;
3. update every locked account with one multi-row UPDATE (``CASE id WHEN ...``): the overdraft
   rules are in its WHERE clause, so the database refuses what Python let through, and
   "fewer rows than accounts" becomes the domain error;
4. insert every posting in one multi-row INSERT, with each account's balance and version after
   it, computed from the totals read under the lock (no ``UPDATE ... RETURNING``: MariaDB has
   none).

Each account's version advances once per entry that touches it, as with single entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, TextClause, bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.ledger.exceptions import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    DuplicateSource,
    InsufficientFunds,
    InvalidPostings,
)
from finplat.ledger.posting import (
    ACCOUNT,
    CREDIT,
    DEBIT,
    ENTRY,
    POSTING,
    AccountState,
    Delta,
    EntrySpec,
    check_legs,
    deltas_of,
    rowcount,
    validate_source,
    within_limits,
)

# Bind parameters per statement stay far below PostgreSQL's 32,767 (8 per posting row).
MAX_ENTRIES = 2_000
MAX_POSTINGS = 3_000
_TOTALS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")


@dataclass(slots=True)
class _Plan:
    """What a set of entries does to each account, summed (and per entry for the postings)."""

    per_entry: list[dict[int, Delta]]
    net: dict[int, Delta]
    entries_per_account: dict[int, int]
    frozen_allowed: dict[int, bool]


def _plan(specs: Sequence[EntrySpec]) -> _Plan:
    if not 1 <= len(specs) <= MAX_ENTRIES:
        raise field_error("entries", f"a bulk write holds 1 to {MAX_ENTRIES} entries")
    if sum(len(spec.legs) for spec in specs) > MAX_POSTINGS:
        raise field_error("entries", f"a bulk write holds at most {MAX_POSTINGS} postings")
    if len({(s.source_type, s.source_id) for s in specs}) != len(specs):
        raise InvalidPostings("a bulk write names each source once")
    plan = _Plan(per_entry=[], net={}, entries_per_account={}, frozen_allowed={})
    for spec in specs:
        validate_source(spec.source_type, spec.source_id, spec.code)
        check_legs(spec.legs, allow_empty=bool(spec.releases), max_legs=MAX_POSTINGS)
        deltas = deltas_of(spec)
        plan.per_entry.append(deltas)
        for account_id, delta in deltas.items():
            net = plan.net.setdefault(account_id, Delta())
            for name in _TOTALS:
                setattr(net, name, getattr(net, name) + getattr(delta, name))
            plan.entries_per_account[account_id] = plan.entries_per_account.get(account_id, 0) + 1
            plan.frozen_allowed[account_id] = (plan.frozen_allowed.get(account_id, True)
                                               and spec.allow_frozen)
    return plan


_STATE_COLUMNS = tuple(ACCOUNT.c[name] for name in (
    "id", "normal_balance", "currency", "tracks_balance", "status", "debits_posted",
    "credits_posted", "version", "debits_pending", "credits_pending",
    "debits_must_not_exceed_credits", "credits_must_not_exceed_debits"))


async def lock_accounts(session: AsyncSession,
                        account_ids: Sequence[int]) -> dict[int, AccountState]:
    """The accounts' state; those keeping a running balance locked in ascending id order (read
    under the lock, so their totals are exact). Hot accounts are read without a lock, as in
    ``posting.apply_deltas``. Raises ``AccountNotFound``."""
    a = ACCOUNT.c
    ids = sorted(set(account_ids))
    rows = list((await session.execute(
        select(*_STATE_COLUMNS).where(a.id.in_(ids), a.tracks_balance.is_(True))
        .order_by(a.id).with_for_update())).all())
    found = {row.id for row in rows}
    if len(found) < len(ids):
        rows += (await session.execute(
            select(*_STATE_COLUMNS).where(a.id.in_([i for i in ids if i not in found])))).all()
    states = {row.id: AccountState(*row) for row in rows}
    for account_id in ids:
        if account_id not in states:
            raise AccountNotFound(account_id)
    return states


def _refuse(specs: Sequence[EntrySpec], plan: _Plan, states: Mapping[int, AccountState]) -> None:
    """Status, currency and limits, decided on the state read under the lock."""
    for spec in specs:
        for leg in spec.legs:
            if states[leg.account_id].currency != leg.amount.currency:
                raise InvalidPostings("posting currency differs from the account's currency")
    for account_id in sorted(plan.net):
        state = states[account_id]
        if state.status == "closed":
            raise AccountClosed(account_id)
        if state.status == "frozen" and not plan.frozen_allowed[account_id]:
            raise AccountFrozen(account_id)
        if state.tracks_balance and not within_limits(state, plan.net[account_id]):
            raise InsufficientFunds(account_id)


async def _insert_entries(session: AsyncSession, specs: Sequence[EntrySpec],
                          now: datetime) -> list[int]:
    rows = [{"source_type": s.source_type, "source_id": s.source_id, "code": s.code,
             "entry_type": s.entry_type, "hold_id": s.hold_id,
             "reverses_entry_id": s.reverses_entry_id, "reference": s.reference,
             "metadata": dict(s.metadata or {}), "created_at": now} for s in specs]
    try:
        await session.execute(insert(ENTRY), rows)
    except IntegrityError as error:
        raise DuplicateSource(specs[0].source_type, "one of the bulk write's sources") from error
    e = ENTRY.c
    found = await session.execute(
        select(e.id, e.source_type, e.source_id)
        .where(e.source_type.in_(sorted({s.source_type for s in specs})),
               e.source_id.in_(sorted({s.source_id for s in specs}))))
    ids = {(row.source_type, row.source_id): int(row.id) for row in found}
    return [ids[(s.source_type, s.source_id)] for s in specs]


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the text of a bulk account UPDATE depends on (not the values)."""

    moved: tuple[tuple[str, int], ...]  # (total, number of accounts it moves on)
    versions: int  # accounts whose version advances by a count of their own; 0: all alike
    debit_guard: bool
    credit_guard: bool


@lru_cache(maxsize=64)
def _guarded_update(shape: _Shape) -> TextClause:
    """``UPDATE ledger_account`` of many rows at once: each moved total plus
    ``CASE id WHEN ... THEN ... ELSE 0 END`` over the accounts it moves on, the version plus the
    number of entries, the status and the overdraft rules in the WHERE clause. The rules are
    checked on the accounts whose movement could break them (``:debit_risk``,
    ``:credit_risk``); for the others it cannot, so they skip the CASE arithmetic.

    Hand-written once per shape and reused: built from SQLAlchemy elements, a 500-account
    chunk spent longer compiling than the database spent running it. Plain SQL that SQLite,
    PostgreSQL and MariaDB read the same way.
    """
    counts = dict(shape.moved)

    def by_id(name: str) -> str:
        if name not in counts:
            return "0"
        whens = " ".join(f"WHEN :{name}_id{n} THEN :{name}{n}" for n in range(counts[name]))
        return f"(CASE id {whens} ELSE 0 END)"

    dp, cp, dpe, cpe = (by_id(name) for name in _TOTALS)
    sets = [f"{name} = {name} + {by_id(name)}" for name in _TOTALS if name in counts]
    if shape.versions:
        whens = " ".join(f"WHEN :v_id{n} THEN :v{n}" for n in range(shape.versions))
        sets.append(f"version = version + (CASE id {whens} ELSE 0 END)")
    else:
        sets.append("version = version + :v")
    where = ["id IN :ids", "(status = 'open' OR (status = 'frozen' AND id IN :frozen_ok))"]
    if shape.debit_guard:
        where.append("(NOT debits_must_not_exceed_credits OR id NOT IN :debit_risk "
                     f"OR debits_posted + debits_pending + {dp} + {dpe} <= credits_posted + {cp})")
    if shape.credit_guard:
        where.append("(NOT credits_must_not_exceed_debits OR id NOT IN :credit_risk "
                     f"OR credits_posted + credits_pending + {cp} + {cpe} <= debits_posted + {dp})")
    # Only column names and generated placeholder names go into the text; values are bound.
    sql = (f"UPDATE ledger_account SET {', '.join(sets)}, updated_at = :now "  # noqa: S608
           f"WHERE {' AND '.join(where)}")
    typed = [bindparam(f"{name}{suffix}{n}", type_=BigInteger)
             for name, count in shape.moved for suffix in ("", "_id") for n in range(count)]
    typed += [bindparam(f"v{suffix}{n}", type_=BigInteger)
              for suffix in ("", "_id") for n in range(shape.versions)]
    typed += [bindparam(name, expanding=True, type_=BigInteger)
              for name in ("ids", "frozen_ok", "debit_risk", "credit_risk")
              if name in sql]
    typed += [bindparam("now", type_=ACCOUNT.c.updated_at.type)]
    if not shape.versions:
        typed.append(bindparam("v", type_=BigInteger))
    return text(sql).bindparams(*typed)


def _update_parameters(ids: Sequence[int], plan: _Plan, states: Mapping[int, AccountState],
                       now: datetime) -> tuple[_Shape, dict[str, Any]]:
    parameters: dict[str, Any] = {
        "ids": ids, "frozen_ok": [i for i in ids if plan.frozen_allowed[i]], "now": now}
    moved = []
    for name in _TOTALS:
        on = [i for i in ids if getattr(plan.net[i], name)]
        for n, account_id in enumerate(on):
            parameters[f"{name}_id{n}"] = account_id
            parameters[f"{name}{n}"] = getattr(plan.net[account_id], name)
        if on:
            moved.append((name, len(on)))
    counts = {plan.entries_per_account[i] for i in ids}
    versions = 0 if len(counts) == 1 else len(ids)
    if versions:
        for n, account_id in enumerate(ids):
            parameters[f"v_id{n}"], parameters[f"v{n}"] = \
                account_id, plan.entries_per_account[account_id]
    else:
        parameters["v"] = counts.pop()
    net = plan.net
    # Accounts whose movement could break their limit; for every other it cannot.
    debit_risk = [i for i in ids if states[i].debits_must_not_exceed_credits
                  and net[i].debits_posted + net[i].debits_pending > net[i].credits_posted]
    credit_risk = [i for i in ids if states[i].credits_must_not_exceed_debits
                   and net[i].credits_posted + net[i].credits_pending > net[i].debits_posted]
    if debit_risk:
        parameters["debit_risk"] = debit_risk
    if credit_risk:
        parameters["credit_risk"] = credit_risk
    shape = _Shape(moved=tuple(moved), versions=versions, debit_guard=bool(debit_risk),
                   credit_guard=bool(credit_risk))
    return shape, parameters


async def _update_accounts(session: AsyncSession, plan: _Plan,
                           states: Mapping[int, AccountState], now: datetime) -> None:
    """One guarded UPDATE for every locked account. Raises ``InsufficientFunds``,
    ``AccountFrozen``, ``AccountClosed`` when the database refuses an account."""
    ids = [i for i in sorted(plan.net) if states[i].tracks_balance]
    if not ids:
        return
    shape, parameters = _update_parameters(ids, plan, states, now)
    statement = _guarded_update(shape)
    if rowcount(await session.execute(statement, parameters)) == len(ids):
        return
    # Refused by the database (the state changed under a lock this backend does not take):
    # name the first account that no longer fits.
    current = await lock_accounts(session, ids)
    for account_id in ids:
        state = current[account_id]
        if state.status == "closed":
            raise AccountClosed(account_id)
        if state.status == "frozen" and not plan.frozen_allowed[account_id]:
            raise AccountFrozen(account_id)
        if not within_limits(state, plan.net[account_id]):
            raise InsufficientFunds(account_id)
    raise InsufficientFunds(ids[0])


def _posting_rows(specs: Sequence[EntrySpec], entry_ids: Sequence[int], plan: _Plan,
                  states: Mapping[int, AccountState], now: datetime) -> list[dict[str, Any]]:
    """Postings in entry order, each with its account's balance and version after it."""
    running = {i: [s.debits_posted, s.credits_posted, s.version]
               for i, s in states.items() if s.tracks_balance}
    rows = []
    for spec, entry_id, deltas in zip(specs, entry_ids, plan.per_entry, strict=True):
        for account_id in deltas:
            if account_id in running:
                running[account_id][2] += 1
        for leg in spec.legs:
            balance_after = version_after = None
            totals = running.get(leg.account_id)
            if totals is not None:
                if not spec.pending:
                    totals[0 if leg.direction == DEBIT else 1] += leg.amount.amount_minor
                balance_after = states[leg.account_id].balance_minor(totals[0], totals[1])
                version_after = totals[2]
            rows.append({"entry_id": entry_id, "account_id": leg.account_id,
                         "direction": leg.direction, "amount_minor": leg.amount.amount_minor,
                         "pending": spec.pending, "balance_after_minor": balance_after,
                         "account_version": version_after, "created_at": now})
    return rows


async def write_entries(session: AsyncSession, specs: Sequence[EntrySpec], *,
                        now: datetime) -> list[int]:
    """Write ``specs`` in the caller's transaction, all or nothing; returns their ids in order.

    Limits are decided on each account's net movement over all the entries. On any error the
    caller's transaction must be rolled back. Raises ``InvalidPostings``, ``Unbalanced``,
    ``AccountNotFound``, ``AccountFrozen``, ``AccountClosed``, ``InsufficientFunds``,
    ``DuplicateSource``, ``InvalidInput`` (more than ``MAX_ENTRIES`` / ``MAX_POSTINGS``).
    """
    now = ensure_utc(now)
    plan = _plan(specs)
    states = await lock_accounts(session, list(plan.net))
    _refuse(specs, plan, states)
    entry_ids = await _insert_entries(session, specs, now)
    await _update_accounts(session, plan, states, now)
    rows = _posting_rows(specs, entry_ids, plan, states, now)
    if rows:
        await session.execute(insert(POSTING), rows)
    return entry_ids


__all__ = ["CREDIT", "DEBIT", "MAX_ENTRIES", "MAX_POSTINGS", "lock_accounts", "write_entries"]
