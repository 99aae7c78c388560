"""Set-based ledger writes for the platform's bulk work: many entries, or one entry with many
postings, in a constant number of statements whatever their number.

Raise settlement posts (or voids) a whole chunk of holds at once; a maturity payout is one entry
with one debit of the institution's settlement account and one credit per holding. The
statements, the same on SQLite, PostgreSQL and MariaDB:

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
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.core.money import CNY, Money
from finplat.ledger.exceptions import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    DuplicateSource,
    HoldNotFound,
    HoldNotOpen,
    InsufficientFunds,
    InvalidPostings,
)
from finplat.ledger.holds import HOLD, HOLD_SOURCE
from finplat.ledger.posting import (
    ACCOUNT,
    CREDIT,
    DEBIT,
    ENTRY,
    POSTING,
    AccountState,
    Delta,
    EntrySpec,
    Leg,
    check_legs,
    credit,
    debit,
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


async def transfer_to_many(session: AsyncSession, *, source_type: str, source_id: str, code: str,
                           debit_account_id: int, credits: Sequence[tuple[int, Money]],
                           now: datetime, reference: str | None = None,
                           metadata: Mapping[str, Any] | None = None) -> int:
    """One entry: ``debit_account_id`` pays every ``(account_id, amount)`` of ``credits`` (an
    account may appear more than once); returns its id. Raises what ``write_entries`` raises."""
    if not credits:
        raise InvalidPostings("an entry needs two or more postings")
    if any(account_id == debit_account_id for account_id, _amount in credits):
        raise InvalidPostings("the paying account cannot also be credited")
    currency = credits[0][1].currency
    total = sum(amount.amount_minor for _account, amount in credits)
    legs: list[Leg] = [debit(debit_account_id, Money(total, currency))]
    legs += [credit(account_id, amount) for account_id, amount in credits]
    spec = EntrySpec(source_type=source_type, source_id=source_id, code=code,
                     entry_type="transfer", legs=legs, reference=reference, metadata=metadata)
    return (await write_entries(session, [spec], now=now))[0]


@dataclass(frozen=True, slots=True)
class Transfer:
    """One entry of ``transfers``: ``debit_account_id`` pays every ``(account_id, amount)``."""

    source_type: str
    source_id: str
    code: str
    debit_account_id: int
    credits: Sequence[tuple[int, Money]]
    reference: str | None = None
    metadata: Mapping[str, Any] | None = None


def _transfer_spec(transfer: Transfer) -> EntrySpec:
    if not transfer.credits:
        raise InvalidPostings("an entry needs two or more postings")
    if any(account_id == transfer.debit_account_id for account_id, _ in transfer.credits):
        raise InvalidPostings("the paying account cannot also be credited")
    currency = transfer.credits[0][1].currency
    total = sum(amount.amount_minor for _account, amount in transfer.credits)
    legs: list[Leg] = [debit(transfer.debit_account_id, Money(total, currency))]
    legs += [credit(account_id, amount) for account_id, amount in transfer.credits]
    return EntrySpec(source_type=transfer.source_type, source_id=transfer.source_id,
                     code=transfer.code, entry_type="transfer", legs=legs,
                     reference=transfer.reference, metadata=transfer.metadata)


async def transfers(session: AsyncSession, *, entries: Sequence[Transfer],
                    now: datetime) -> list[int]:
    """Many one-to-many entries written together (``write_entries``: a constant number of
    statements), limits decided on each account's net movement; returns their ids in order.
    Raises what ``write_entries`` raises."""
    return await write_entries(session, [_transfer_spec(t) for t in entries], now=now)


async def lock_available(session: AsyncSession, *, account_ids: Sequence[int]) -> dict[int, int]:
    """Account id -> what it can pay now (posted balance less open holds), read under the
    accounts' row locks (ascending id), for accounts that keep a running balance. A bulk
    writer sizes its debits from this in the same transaction, so its entries fit.
    Raises ``AccountNotFound``; ``InvalidPostings`` for a hot account (no running balance)."""
    states = await lock_accounts(session, account_ids)
    available = {}
    for account_id, state in states.items():
        if not state.tracks_balance:
            raise InvalidPostings("a hot account keeps no running balance to pay from")
        if state.normal_balance == CREDIT:
            available[account_id] = (state.credits_posted - state.debits_posted
                                     - state.debits_pending)
        else:
            available[account_id] = (state.debits_posted - state.credits_posted
                                     - state.credits_pending)
    return available


async def _claim_holds(session: AsyncSession, hold_ids: Sequence[int], *, status: str,
                       now: datetime) -> list[Any]:
    """Lock the holds (ascending id), check they are all open, move them to ``status`` in one
    guarded UPDATE. Raises ``HoldNotFound``, ``HoldNotOpen``."""
    h = HOLD.c
    ids = sorted(set(hold_ids))
    if len(ids) != len(hold_ids):
        raise field_error("hold_ids", "names a hold twice")
    rows = list((await session.execute(
        select(h.id, h.debit_account_id, h.credit_account_id, h.amount_minor, h.code, h.status)
        .where(h.id.in_(ids)).order_by(h.id).with_for_update())).all())
    if len(rows) != len(ids):
        raise HoldNotFound()
    for row in rows:
        if row.status != "open":
            raise HoldNotOpen(row.status)
    posted = h.amount_minor if status == "posted" else 0
    result = await session.execute(
        sql_update(HOLD).where(h.id.in_(ids), h.status == "open")
        .values(status=status, posted_minor=posted, resolved_at=now))
    if rowcount(result) != len(ids):
        raise HoldNotOpen("settled meanwhile")
    return rows


def _release(row: Any) -> dict[int, Delta]:
    return {row.debit_account_id: Delta(debits_pending=-row.amount_minor),
            row.credit_account_id: Delta(credits_pending=-row.amount_minor)}


async def post_holds(session: AsyncSession, *, hold_ids: Sequence[int], now: datetime,
                     currency: str = CNY, reference: str | None = None) -> dict[int, int]:
    """Post each hold in full, as ``post_hold`` does one by one (an entry per hold, source
    ``ledger_hold``/``<id>:post``), in a constant number of statements; returns hold id ->
    entry id. Raises ``HoldNotFound``, ``HoldNotOpen``, ``AccountFrozen``, ``AccountClosed``,
    ``InvalidInput`` (too many)."""
    now = ensure_utc(now)
    rows = await _claim_holds(session, hold_ids, status="posted", now=now)
    specs = []
    for row in rows:
        amount = Money(row.amount_minor, currency)
        specs.append(EntrySpec(
            source_type=HOLD_SOURCE, source_id=f"{row.id}:post", code=row.code,
            entry_type="hold_post",
            legs=[debit(row.debit_account_id, amount), credit(row.credit_account_id, amount)],
            releases=_release(row), hold_id=row.id, reference=reference,
            metadata={"held_minor": row.amount_minor}))
    entry_ids = await write_entries(session, specs, now=now)
    return {row.id: entry_id for row, entry_id in zip(rows, entry_ids, strict=True)}


async def void_holds(session: AsyncSession, *, hold_ids: Sequence[int], now: datetime,
                     reference: str | None = None) -> dict[int, int]:
    """Release each hold in full, as ``void_hold`` does one by one (allowed on a frozen
    account), in a constant number of statements; returns hold id -> release entry id.
    Raises ``HoldNotFound``, ``HoldNotOpen``, ``AccountClosed``, ``InvalidInput``."""
    now = ensure_utc(now)
    rows = await _claim_holds(session, hold_ids, status="voided", now=now)
    specs = [EntrySpec(source_type=HOLD_SOURCE, source_id=f"{row.id}:void", code=row.code,
                       entry_type="hold_void", legs=[], releases=_release(row), hold_id=row.id,
                       reference=reference, allow_frozen=True) for row in rows]
    entry_ids = await write_entries(session, specs, now=now)
    return {row.id: entry_id for row, entry_id in zip(rows, entry_ids, strict=True)}


async def blocked_accounts(session: AsyncSession, *, account_ids: Sequence[int]) -> set[int]:
    """Which of ``account_ids`` are frozen or closed now (read without a lock: a bulk write
    still refuses one blocked meanwhile)."""
    if not account_ids:
        return set()
    a = ACCOUNT.c
    rows = await session.scalars(select(a.id).where(a.id.in_(sorted(set(account_ids))),
                                                    a.status != "open"))
    return set(rows)


__all__ = ["CREDIT", "DEBIT", "MAX_ENTRIES", "MAX_POSTINGS", "Transfer", "blocked_accounts",
           "lock_available", "post_holds", "transfer_to_many", "transfers", "void_holds",
           "write_entries"]
