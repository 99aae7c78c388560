"""Many holds posted or released at once, every row computed in the database.

Raise settlement posts (or releases) a whole chunk of orders' holds; each hold still gets its own
entry (``ledger_hold``/``<id>:post`` or ``:void``, carrying ``hold_id``), exactly as ``post_hold``
and ``void_hold`` write them one by one, but in a constant number of statements whatever their
number, none of which sends a row per hold:

1. the holds locked in ascending id order and checked open (``SELECT ... FOR UPDATE``);
2. their accounts: those keeping a running balance locked in ascending id order (the one lock
   order used everywhere), status and currency checked under the lock;
3. the holds moved to ``posted`` / ``voided`` (one guarded UPDATE);
4. their entries (one ``INSERT ... SELECT`` from the holds; the unique source refuses a repeat);
5. on posting, their postings (one ``INSERT ... SELECT``, a debit and a credit per hold): each
   account's balance after a posting is the balance read under the lock plus a running sum over
   its postings in hold order (a window function), its version the version plus the number of
   these entries touching it so far;
6. every account keeping a running balance moved once by the sums of its holds (one
   ``UPDATE ... FROM`` an aggregate of the holds), guarded on its status.

Posting a hold never changes ``debits_posted + debits_pending`` nor the credit side's sum, so
no overdraft rule can break; the statuses are the guard. The same statements run on SQLite,
PostgreSQL and MariaDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    case,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.core.money import CNY
from finplat.core.statements import json_from_text
from finplat.ledger.bulk import lock_accounts
from finplat.ledger.exceptions import (
    AccountClosed,
    AccountFrozen,
    DuplicateSource,
    HoldNotFound,
    HoldNotOpen,
    InvalidPostings,
)
from finplat.ledger.holds import HOLD, HOLD_SOURCE
from finplat.ledger.posting import ACCOUNT, CREDIT, DEBIT, ENTRY, POSTING, AccountState, rowcount

# The hold ids are bound once per statement (PostgreSQL takes at most 32,767 parameters).
MAX_HOLDS = 10_000


async def _claim(session: AsyncSession, ids: list[int], *, status: str,
                 now: datetime) -> list[Any]:
    """Lock the holds (ascending id), check they are all open, move them to ``status`` in one
    guarded UPDATE. Raises ``HoldNotFound``, ``HoldNotOpen``."""
    h = HOLD.c
    rows = list((await session.execute(
        select(h.id, h.debit_account_id, h.credit_account_id, h.status)
        .where(h.id.in_(ids)).order_by(h.id).with_for_update())).all())
    if len(rows) != len(ids):
        raise HoldNotFound()
    for row in rows:
        if row.status != "open":
            raise HoldNotOpen(row.status)
    posted = h.amount_minor if status == "posted" else 0
    result = await session.execute(
        update(HOLD).where(h.id.in_(ids), h.status == "open")
        .values(status=status, posted_minor=posted, resolved_at=now))
    if rowcount(result) != len(ids):
        raise HoldNotOpen("settled meanwhile")
    return rows


def _check(rows: Sequence[Any], states: dict[int, AccountState], *, posting: bool,
           currency: str) -> None:
    """Status (a release is allowed on a frozen account) and, on posting, currency."""
    for account_id in sorted(states):
        state = states[account_id]
        if state.status == "closed":
            raise AccountClosed(account_id)
        if posting and state.status == "frozen":
            raise AccountFrozen(account_id)
        if posting and state.currency != currency:
            raise InvalidPostings("posting currency differs from the account's currency")


async def _insert_entries(session: AsyncSession, ids: list[int], *, entry_type: str,
                          suffix: str, posting: bool, reference: str | None,
                          now: datetime) -> None:
    h = HOLD.c
    metadata: Any = literal("{}", String)
    if posting:
        metadata = (literal('{"held_minor":', String) + sql_cast(h.amount_minor, String)
                    + literal("}", String))
    rows = (select(literal(HOLD_SOURCE, String), sql_cast(h.id, String) + literal(suffix, String),
                   h.code, literal(entry_type, String), h.id, literal(reference, String),
                   json_from_text(session, metadata), literal(now, ENTRY.c.created_at.type))
            .where(h.id.in_(ids)).order_by(h.id))
    try:
        written = rowcount(await session.execute(insert(ENTRY).from_select(
            ["source_type", "source_id", "code", "entry_type", "hold_id", "reference",
             "metadata", "created_at"], rows)))
    except IntegrityError as error:
        raise DuplicateSource(HOLD_SOURCE, f"one of the holds' {suffix} entries") from error
    assert written == len(ids), "the holds are locked by this write"


def _legs(ids: list[int]) -> Any:
    """A debit and a credit per hold: ``hold_id``, ``leg`` (0, 1), ``account_id``,
    ``direction``, ``amount_minor``."""
    h = HOLD.c
    sides = [select(h.id.label("hold_id"), literal(leg, Integer).label("leg"),
                    column.label("account_id"), literal(direction, String).label("direction"),
                    h.amount_minor.label("amount_minor")).where(h.id.in_(ids))
             for leg, column, direction in ((0, h.debit_account_id, DEBIT),
                                            (1, h.credit_account_id, CREDIT))]
    return union_all(*sides).subquery("leg")


async def _insert_postings(session: AsyncSession, ids: list[int], *, now: datetime) -> None:
    a, e = ACCOUNT.c, ENTRY.c
    legs = _legs(ids)
    order = (legs.c.hold_id, legs.c.leg)
    signed = case((legs.c.direction == a.normal_balance, legs.c.amount_minor),
                  else_=-legs.c.amount_minor)
    running = func.sum(signed).over(partition_by=legs.c.account_id, order_by=order)
    before = case((a.normal_balance == CREDIT, a.credits_posted - a.debits_posted),
                  else_=a.debits_posted - a.credits_posted)
    entries = func.row_number().over(partition_by=legs.c.account_id, order_by=order)
    rows = (select(e.id, legs.c.account_id, legs.c.direction, legs.c.amount_minor,
                   literal(False, Boolean),
                   case((a.tracks_balance, before + running), else_=None),
                   case((a.tracks_balance, a.version + entries), else_=None),
                   literal(now, POSTING.c.created_at.type))
            .join_from(legs, ENTRY, (e.hold_id == legs.c.hold_id) & (e.entry_type == "hold_post"))
            .join(ACCOUNT, a.id == legs.c.account_id)
            .order_by(*order))
    written = rowcount(await session.execute(insert(POSTING).from_select(
        ["entry_id", "account_id", "direction", "amount_minor", "pending",
         "balance_after_minor", "account_version", "created_at"], rows)))
    assert written == 2 * len(ids), "each hold has its entry and its two accounts"


async def _move_accounts(session: AsyncSession, ids: list[int], *, posting: bool,
                         now: datetime) -> int:
    """Every tracked account by the sums of its holds, in one guarded ``UPDATE ... FROM``;
    returns how many it moved."""
    legs = _legs(ids)
    is_debit = legs.c.direction == DEBIT
    debits = func.sum(case((is_debit, legs.c.amount_minor), else_=0))
    credits = func.sum(case((is_debit, 0), else_=legs.c.amount_minor))
    moved = (select(legs.c.account_id, debits.label("debits"), credits.label("credits"),
                    func.count().label("entries"))
             .group_by(legs.c.account_id).subquery("moved"))
    a, m = ACCOUNT.c, moved.c
    values: list[tuple[Any, Any]] = [(a.debits_pending, a.debits_pending - m.debits),
                                     (a.credits_pending, a.credits_pending - m.credits)]
    if posting:
        values += [(a.debits_posted, a.debits_posted + m.debits),
                   (a.credits_posted, a.credits_posted + m.credits)]
    values += [(a.version, a.version + m.entries), (a.updated_at, now)]
    allowed = ["open"] if posting else ["open", "frozen"]
    return rowcount(await session.execute(
        update(ACCOUNT).where(a.id == m.account_id, a.tracks_balance.is_(True),
                             a.status.in_(allowed))
        .ordered_values(*values)))


async def _settle(session: AsyncSession, hold_ids: Sequence[int], *, posting: bool,
                  now: datetime, currency: str, reference: str | None) -> dict[int, int]:
    now = ensure_utc(now)
    ids = sorted(set(hold_ids))
    if len(ids) != len(hold_ids):
        raise field_error("hold_ids", "names a hold twice")
    if not 1 <= len(ids) <= MAX_HOLDS:
        raise field_error("hold_ids", f"a bulk settlement holds 1 to {MAX_HOLDS} holds")
    status, entry_type, suffix = (("posted", "hold_post", ":post") if posting
                                  else ("voided", "hold_void", ":void"))
    rows = await _claim(session, ids, status=status, now=now)
    states = await lock_accounts(session, [account for row in rows
                                           for account in (row.debit_account_id,
                                                           row.credit_account_id)])
    _check(rows, states, posting=posting, currency=currency)
    await _insert_entries(session, ids, entry_type=entry_type, suffix=suffix, posting=posting,
                          reference=reference, now=now)
    if posting:
        await _insert_postings(session, ids, now=now)
    tracked = [i for i in sorted(states) if states[i].tracks_balance]
    if tracked and await _move_accounts(session, ids, posting=posting, now=now) != len(tracked):
        # Refused by the database (a status changed under a lock this backend does not take).
        _check(rows, await lock_accounts(session, tracked), posting=posting, currency=currency)
        raise AccountFrozen(tracked[0])
    e = ENTRY.c
    found = await session.execute(select(e.hold_id, e.id)
                                  .where(e.hold_id.in_(ids), e.entry_type == entry_type))
    return {int(hold_id): int(entry_id) for hold_id, entry_id in found}


async def post_holds(session: AsyncSession, *, hold_ids: Sequence[int], now: datetime,
                     currency: str = CNY, reference: str | None = None) -> dict[int, int]:
    """Post each hold in full, as ``post_hold`` does one by one (an entry per hold, source
    ``ledger_hold``/``<id>:post``), in a constant number of statements; returns hold id ->
    entry id. Raises ``HoldNotFound``, ``HoldNotOpen``, ``AccountFrozen``, ``AccountClosed``,
    ``InvalidPostings`` (currency), ``DuplicateSource``, ``InvalidInput`` (too many)."""
    return await _settle(session, hold_ids, posting=True, now=now, currency=currency,
                         reference=reference)


async def void_holds(session: AsyncSession, *, hold_ids: Sequence[int], now: datetime,
                     reference: str | None = None) -> dict[int, int]:
    """Release each hold in full, as ``void_hold`` does one by one (allowed on a frozen
    account), in a constant number of statements; returns hold id -> release entry id.
    Raises ``HoldNotFound``, ``HoldNotOpen``, ``AccountClosed``, ``DuplicateSource``,
    ``InvalidInput``."""
    return await _settle(session, hold_ids, posting=False, now=now, currency=CNY,
                         reference=reference)


__all__ = ["MAX_HOLDS", "post_holds", "void_holds"]
