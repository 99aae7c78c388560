"""Many entries, each debiting one account and crediting many, the credits computed in the
database.

A repayment chunk books one entry per receipt: the borrower's wallet debited once, one credit per
claim holder and one to fee revenue. ``bulk.py`` builds each posting in Python and ``spread.py``
writes one entry; here the caller gives its entries' debits (``Payment``: one per entry, a few
hundred at most), every credit as a SELECT over its own tables (columns ``source_id``: the
entry's, ``key``: unique within the entry and ascending in the order its postings are written,
``account_id``, ``amount_minor``) and, optionally, the accounts those credits may name (a SELECT
of account ids, a superset read without computing the credits), and the ledger writes them all
with a constant number of statements, none of which sends a row per credit, the credits SELECT
evaluated once:

1. the accounts locked in ascending id order (the debited ones and those the credits may name,
   keeping a running balance; the others read without a lock, as ``bulk.py`` does), status,
   currency and limits decided under the lock on each account's net movement; a debited
   account among those credited (rare: then the credits are read and the entries written by
   ``bulk.write_entries``);
2. the entries (one multi-row INSERT, their ids read back by source) and the debit postings
   (one multi-row INSERT, each with its account's balance and version after it);
3. every credit posting in one ``INSERT ... SELECT``: the balance after it is the balance read
   under the lock plus a running sum over the account's credits in (entry, key) order, its
   version the version plus the rank of its entry among the account's entries (a window
   function each); a credit naming no entry of this write makes the INSERT fail (its entry id
   is null);
4. the credits per entry read back from the postings (one aggregate SELECT by the postings'
   entry index): each entry's credits must add up to its debit, every amount positive;
5. every moved account in one UPDATE joined to the aggregate of this write's postings per
   account (read by the postings' entry index), linear in their number, the overdraft rule in
   its WHERE clause, so the database refuses what Python let through.

A refusal after the postings are written raises, and the caller's transaction (or savepoint) is
rolled back with them. The same statements run on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CompoundSelect,
    Select,
    and_,
    case,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.core.money import Money
from finplat.ledger.bulk import (
    _STATE_COLUMNS,
    MAX_ENTRIES,
    MAX_POSTINGS,
    _insert_entries,
    write_entries,
)
from finplat.ledger.exceptions import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
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
    credit,
    debit,
    rowcount,
    validate_source,
    within_limits,
)

# Bounded like every batch (the credits are never sent as parameters, but their accounts are
# locked in one statement).
MAX_CREDITS = 50_000


@dataclass(frozen=True, slots=True)
class Payment:
    """One entry of ``pay_many``: ``debit_account_id`` pays ``amount_minor``, the sum of the
    entry's credits (the rows of the credits SELECT whose ``source_id`` is this one)."""

    source_id: str
    debit_account_id: int
    amount_minor: int
    reference: str | None = None
    metadata: Mapping[str, Any] | None = None


def _check(payments: Sequence[Payment], source_type: str, code: str) -> None:
    if not 1 <= len(payments) <= MAX_ENTRIES:
        raise field_error("payments", f"a write holds 1 to {MAX_ENTRIES} entries")
    if len({p.source_id for p in payments}) != len(payments):
        raise InvalidPostings("a bulk write names each source once")
    for payment in payments:
        validate_source(source_type, payment.source_id, code)
        if payment.amount_minor <= 0:
            raise InvalidPostings("every posting amount must be positive")


async def _per_entry(session: AsyncSession, c: Any, payments: Sequence[Payment],
                     debited: Sequence[int]) -> tuple[int, bool]:
    """Checks each entry's credits (the SELECT) against its debit; returns the number of
    credits and whether a debited account is also credited."""
    rows = (await session.execute(
        select(c.c.source_id, func.count(), func.count(c.c.account_id),
               func.coalesce(func.sum(c.c.amount_minor), 0), func.min(c.c.amount_minor),
               func.count(case((c.c.account_id.in_(debited), 1))))
        .group_by(c.c.source_id))).all()
    found = {str(row[0]): row for row in rows}
    if set(found) != {p.source_id for p in payments}:
        raise InvalidPostings("every entry has credits, and every credit an entry")
    count = overlap = 0
    for payment in payments:
        _source, credits, with_account, total, smallest, paying = found[payment.source_id]
        if with_account != credits:
            raise InvalidPostings("every credit names an account")
        _check_entry(payment, int(total), int(smallest))
        count += credits
        overlap += paying
    _check_count(count)
    return count, overlap > 0


def _check_entry(payment: Payment, total: int, smallest: int) -> None:
    if smallest <= 0:
        raise InvalidPostings("every posting amount must be positive")
    if total != payment.amount_minor:
        raise InvalidPostings("an entry's credits add up to its debit")


def _check_count(count: int) -> None:
    if count > MAX_CREDITS:
        raise field_error("credits", f"one write credits at most {MAX_CREDITS} rows")


async def _written(session: AsyncSession, c: Any, payments: Sequence[Payment],
                   entry_ids: Sequence[int], debited: Sequence[int]) -> None:
    """Each entry's credits as written, read back from its postings (by their entry index)
    against its debit; a mismatch is explained by the credits SELECT (``_per_entry``)."""
    p = POSTING.c
    rows = (await session.execute(
        select(p.entry_id, func.count(), func.sum(p.amount_minor), func.min(p.amount_minor))
        .where(p.entry_id.in_(sorted(entry_ids)), p.direction == CREDIT)
        .group_by(p.entry_id))).all()
    found = {int(row[0]): row for row in rows}
    count = 0
    for payment, entry_id in zip(payments, entry_ids, strict=True):
        row = found.get(entry_id)
        if row is None or int(row[2]) != payment.amount_minor:
            # A credit without an account (not written), or not adding up: named precisely.
            await _per_entry(session, c, payments, debited)
            raise InvalidPostings("every credit names an existing account")
        _check_entry(payment, int(row[2]), int(row[3]))
        count += int(row[1])
    _check_count(count)


async def _lock(session: AsyncSession, accounts: Any,
                debited: Sequence[int]) -> dict[int, AccountState]:
    a = ACCOUNT.c
    touched = or_(a.id.in_(sorted(set(debited))), a.id.in_(accounts))
    rows = list((await session.execute(
        select(*_STATE_COLUMNS).where(touched, a.tracks_balance.is_(True))
        .order_by(a.id).with_for_update())).all())
    rows += (await session.execute(
        select(*_STATE_COLUMNS).where(touched, a.tracks_balance.is_(False)))).all()
    states = {row.id: AccountState(*row) for row in rows}
    for account_id in debited:
        if account_id not in states:
            raise AccountNotFound(account_id)
    return states


def _refuse(states: Mapping[int, AccountState], debits: Mapping[int, int],
            currency: str) -> None:
    """Status, currency and limits, decided on the state read under the lock."""
    for account_id in sorted(states):
        state = states[account_id]
        if state.currency != currency:
            raise InvalidPostings("posting currency differs from the account's currency")
        if state.status == "closed":
            raise AccountClosed(account_id)
        if state.status == "frozen":
            raise AccountFrozen(account_id)
        if account_id in debits:
            delta = Delta(debits_posted=debits[account_id])
            if state.tracks_balance and not within_limits(state, delta):
                raise InsufficientFunds(account_id)
        elif state.credits_must_not_exceed_debits:
            raise InvalidPostings("a credit of many accounts pays accounts keeping a balance")


def _debit_rows(payments: Sequence[Payment], entry_ids: Sequence[int],
                states: Mapping[int, AccountState], now: datetime) -> list[dict[str, Any]]:
    running = {i: [s.debits_posted, s.version] for i, s in states.items() if s.tracks_balance}
    rows = []
    for payment, entry_id in zip(payments, entry_ids, strict=True):
        balance_after = version_after = None
        totals = running.get(payment.debit_account_id)
        if totals is not None:
            totals[0] += payment.amount_minor
            totals[1] += 1
            state = states[payment.debit_account_id]
            balance_after = state.balance_minor(totals[0], state.credits_posted)
            version_after = totals[1]
        rows.append({"entry_id": entry_id, "account_id": payment.debit_account_id,
                     "direction": DEBIT, "amount_minor": payment.amount_minor, "pending": False,
                     "balance_after_minor": balance_after, "account_version": version_after,
                     "created_at": now})
    return rows


async def _credit_postings(session: AsyncSession, c: Any, source_type: str,
                           entry_ids: Sequence[int], now: datetime) -> int:
    a, e = ACCOUNT.c, ENTRY.c
    order = (e.id, c.c.key)
    running = func.sum(c.c.amount_minor).over(partition_by=c.c.account_id, order_by=order)
    balance = case((a.normal_balance == CREDIT, a.credits_posted - a.debits_posted + running),
                   else_=a.debits_posted - a.credits_posted - running)
    rank = func.dense_rank().over(partition_by=c.c.account_id, order_by=e.id)
    rows = (select(e.id, c.c.account_id, literal(CREDIT), c.c.amount_minor,
                   literal(False, Boolean), case((a.tracks_balance, balance), else_=None),
                   case((a.tracks_balance, a.version + rank), else_=None),
                   literal(now, POSTING.c.created_at.type))
            # The entries by id too: their rows are found by the primary key whatever the
            # planner believes of the table.
            # An outer join: a credit naming no entry of this write has no entry id, which the
            # posting's NOT NULL refuses.
            .outerjoin_from(c, ENTRY, and_(e.id.in_(sorted(entry_ids)),
                                           e.source_type == source_type,
                                           e.source_id == c.c.source_id))
            .join(ACCOUNT, a.id == c.c.account_id)
            .order_by(*order))
    return rowcount(await session.execute(insert(POSTING).from_select(
        ["entry_id", "account_id", "direction", "amount_minor", "pending",
         "balance_after_minor", "account_version", "created_at"], rows)))


async def _move_accounts(session: AsyncSession, entry_ids: Sequence[int],
                         states: Mapping[int, AccountState], now: datetime) -> None:
    """Every locked account by the sum of its postings of this write: one UPDATE joined to
    their aggregate (read by the postings' entry index), linear in the number of accounts."""
    tracked = [i for i, s in states.items() if s.tracks_balance]
    if not tracked:
        return
    a, p = ACCOUNT.c, POSTING.c

    def moved(direction: str) -> Any:
        return func.coalesce(func.sum(case((p.direction == direction, p.amount_minor),
                                           else_=0)), 0)

    m = (select(p.account_id, moved(DEBIT).label("debits"), moved(CREDIT).label("credits"),
                func.count(p.entry_id.distinct()).label("entries"))
         .where(p.entry_id.in_(sorted(entry_ids))).group_by(p.account_id)
         .subquery("moved"))
    changed = rowcount(await session.execute(
        update(ACCOUNT)
        .where(a.id == m.c.account_id, a.tracks_balance.is_(True), a.status == "open",
               or_(not_(a.debits_must_not_exceed_credits),
                   a.debits_posted + a.debits_pending + m.c.debits
                   <= a.credits_posted + m.c.credits))
        # Each total reads the row as it was (MariaDB evaluates assignments left to right, but
        # none reads a column assigned before it).
        .ordered_values((a.debits_posted, a.debits_posted + m.c.debits),
                        (a.credits_posted, a.credits_posted + m.c.credits),
                        (a.version, a.version + m.c.entries), (a.updated_at, now))
        .execution_options(synchronize_session=False)))
    if changed != len(tracked):
        # The database refused an account Python let through (its state changed under a lock
        # this backend does not take): name the first debited one.
        raise InsufficientFunds(min(tracked))


async def _write_in_python(session: AsyncSession, c: Any, payments: Sequence[Payment], *,
                           source_type: str, code: str, currency: str,
                           now: datetime) -> list[int]:
    """The rare write in which an account pays and is paid: the credits read, the entries
    written by ``bulk.write_entries`` (its postings' balances follow the entries' order)."""
    rows = (await session.execute(select(c.c.source_id, c.c.account_id, c.c.amount_minor)
                                  .order_by(c.c.source_id, c.c.key))).all()
    credits: dict[str, list[Any]] = {}
    for row in rows:
        credits.setdefault(str(row.source_id), []).append(
            credit(int(row.account_id), Money(int(row.amount_minor), currency)))
    specs = [EntrySpec(source_type=source_type, source_id=p.source_id, code=code,
                       entry_type="transfer",
                       legs=[debit(p.debit_account_id, Money(p.amount_minor, currency)),
                             *credits[p.source_id]],
                       reference=p.reference, metadata=p.metadata) for p in payments]
    ids: list[int] = []
    batch: list[EntrySpec] = []
    for spec in specs:
        if batch and sum(len(s.legs) for s in batch) + len(spec.legs) > MAX_POSTINGS:
            ids += await write_entries(session, batch, now=now)
            batch = []
        batch.append(spec)
    return ids + await write_entries(session, batch, now=now)


async def pay_many(session: AsyncSession, *, source_type: str, code: str,
                   payments: Sequence[Payment], credits: Select[Any] | CompoundSelect,
                   currency: str, now: datetime,
                   accounts: Select[Any] | CompoundSelect | None = None) -> list[int]:
    """One entry per payment (see the module), all or nothing in the caller's transaction;
    returns the entries' ids in the order of ``payments``. ``accounts``: a SELECT of one column,
    every account the credits may name (more are locked and checked as if credited); without
    it, the credits' own accounts.

    Raises ``AccountNotFound`` (a paying account), ``AccountFrozen``, ``AccountClosed`` (naming
    the account), ``InsufficientFunds``, ``InvalidPostings`` (an entry whose credits do not add
    up to its debit, a credit without an account or not positive), ``DuplicateSource``,
    ``InvalidInput`` (more than ``MAX_ENTRIES`` entries or ``MAX_CREDITS`` credits).
    """
    now = ensure_utc(now)
    _check(payments, source_type, code)
    c = credits.subquery("credit")
    debits: dict[int, int] = {}
    for payment in payments:
        debits[payment.debit_account_id] = (debits.get(payment.debit_account_id, 0)
                                            + payment.amount_minor)
    debited = sorted(debits)
    candidates = select(c.c.account_id) if accounts is None else accounts
    states = await _lock(session, candidates, debited)
    if await _credited_debits(session, candidates, debited):
        _count, both = await _per_entry(session, c, payments, debited)
        if both:
            return await _write_in_python(session, c, payments, source_type=source_type,
                                          code=code, currency=currency, now=now)
    _refuse(states, debits, currency)
    entry_ids = await _insert_entries(session, [EntrySpec(
        source_type=source_type, source_id=p.source_id, code=code, entry_type="transfer",
        legs=[], reference=p.reference, metadata=p.metadata) for p in payments], now)
    await session.execute(insert(POSTING), _debit_rows(payments, entry_ids, states, now))
    await _credit_postings(session, c, source_type, entry_ids, now)
    await _written(session, c, payments, entry_ids, debited)
    await _move_accounts(session, entry_ids, states, now)
    return entry_ids


async def _credited_debits(session: AsyncSession, accounts: Any,
                           debited: Sequence[int]) -> list[int]:
    """The debited accounts among those the credits may name."""
    found = accounts.subquery("candidate")
    column = next(iter(found.c))
    return list((await session.scalars(
        select(column).where(column.in_(debited)).distinct())).all())


__all__ = ["MAX_CREDITS", "Payment", "pay_many"]
