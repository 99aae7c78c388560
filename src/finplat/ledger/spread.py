"""One entry paying many accounts, its credit postings computed in the database.

A maturity payout credits thousands of wallets from one settlement account. ``bulk.py`` builds
each posting in Python; here the caller gives the credits as a SELECT over its own table (columns
``key``, ``account_id``, ``amount_minor``: one credit per row, ``key`` unique and ascending in
the order the postings are written) and the ledger writes the entry with a constant number of
statements, none of which sends a row per credit:

1. the credits read once (``key``, ``account_id``, ``amount_minor``; one SELECT, at most
   ``MAX_CREDITS`` + 1 rows): their count, total, first key and accounts are counted in Python,
   so the caller's SELECT (a join to the wallets, say) runs here and in step 5 only;
2. the debited and credited accounts locked in ascending id order by primary key (``SELECT ...
   FOR UPDATE`` of the ids read in step 1, in slices of ``LOCK_SLICE`` ids: the one lock order
   used everywhere), status and currency checked under the lock, and every credit's account
   found;
3. the entry (one INSERT, its id read back by source, as in ``bulk.py``);
4. the debited account moved by the total with the guarded UPDATE of ``bulk.py`` (the overdraft
   rule in its WHERE clause) and its one debit posting;
5. every credit posting in one ``INSERT ... SELECT``: the account's balance after it is the
   balance read under the lock plus a running sum over the account's credits in key order (a
   window function), so an account credited twice gets two postings, the later one carrying
   the final balance; its version after it is the version plus one (one entry);
6. every credited account in one ``UPDATE ... FROM`` the sums of this entry's credit postings
   per account (read through the entry's index).

The same statements run on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Select,
    String,
    any_,
    bindparam,
    case,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.ledger import chart
from finplat.ledger.bulk import _STATE_COLUMNS, _insert_entries, _Plan, _update_accounts
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
    POSTING,
    AccountState,
    Delta,
    EntrySpec,
    rowcount,
    validate_source,
    within_limits,
)

# Bounded like every batch: the credits of one entry (the rows are never sent as parameters,
# but the accounts are locked in one statement and the entry must stay readable).
MAX_CREDITS = 50_000
# Ids per locking statement (bind parameters: well inside every driver's limit).
LOCK_SLICE = 10_000


@dataclass(frozen=True, slots=True)
class Spread:
    entry_id: int
    source_id: str
    credits: int
    total_minor: int


def wallet_join(user_id: Any) -> tuple[Any, Any]:
    """``(wallet, onclause)``: the customer wallets as a table to join to the caller's query on
    ``user_id`` (one of its columns); ``wallet.c.id`` is then the ``account_id`` of a credit.
    A join, not a scalar subquery: the database looks each wallet up once."""
    wallet = ACCOUNT.alias("wallet")
    reference = literal(chart.WALLET_REFERENCE_PREFIX) + sql_cast(user_id, String)
    return wallet, (wallet.c.kind == chart.CUSTOMER_WALLET) & (wallet.c.reference == reference)


async def blocked_keys(session: AsyncSession, credits: Select[Any]) -> list[int]:
    """The keys of ``credits`` whose account is frozen or closed now (read without a lock:
    ``credit_many`` still refuses one blocked meanwhile)."""
    c = credits.subquery("credit")
    a = ACCOUNT.c
    rows = await session.scalars(select(c.c.key).join_from(c, ACCOUNT, a.id == c.c.account_id)
                                 .where(a.status != "open").order_by(c.c.key))
    return list(rows)


async def _lock(session: AsyncSession, debit_account_id: int, credited: set[int],
                currency: str) -> AccountState:
    """Lock the accounts by primary key (ascending id, in slices), check them; the debited
    account's state. Every credited id must be an account."""
    a = ACCOUNT.c
    ids = sorted(credited | {debit_account_id})
    # PostgreSQL takes the ids as one array parameter (an IN list of thousands of parameters
    # costs more to render than to run); elsewhere an IN list.
    array = session.get_bind().dialect.name == "postgresql"
    rows: list[Any] = []
    for start in range(0, len(ids), LOCK_SLICE):
        some = ids[start:start + LOCK_SLICE]
        among = (a.id == any_(bindparam("ids", some, type_=ARRAY(BigInteger))) if array
                 else a.id.in_(some))
        rows.extend((await session.execute(
            select(*_STATE_COLUMNS).where(among).order_by(a.id).with_for_update())).all())
    debited: AccountState | None = None
    for row in rows:
        state = AccountState(*row)
        if state.currency != currency:
            raise InvalidPostings("posting currency differs from the account's currency")
        if state.id == debit_account_id:
            debited = state
            continue
        if not state.tracks_balance or state.credits_must_not_exceed_debits:
            raise InvalidPostings("a credit of many accounts pays accounts keeping a balance")
        if state.status == "closed":
            raise AccountClosed(state.id)
        if state.status == "frozen":
            raise AccountFrozen(state.id)
    if debited is None:
        raise AccountNotFound(debit_account_id)
    if len(rows) - 1 != len(credited):
        raise InvalidPostings("every credit names an account other than the paying account")
    return debited


def _refuse_debit(state: AccountState, total: int) -> None:
    if state.status == "closed":
        raise AccountClosed(state.id)
    if state.status == "frozen":
        raise AccountFrozen(state.id)
    if state.tracks_balance and not within_limits(state, Delta(debits_posted=total)):
        raise InsufficientFunds(state.id)


async def _debit(session: AsyncSession, state: AccountState, entry_id: int, total: int,
                 now: datetime) -> None:
    """Move the debited account (guarded) and write its posting."""
    balance_after = version_after = None
    if state.tracks_balance:
        delta = Delta(debits_posted=total)
        plan = _Plan(per_entry=[{state.id: delta}], net={state.id: delta},
                     entries_per_account={state.id: 1}, frozen_allowed={state.id: False})
        await _update_accounts(session, plan, {state.id: state}, now)
        balance_after = state.balance_minor(state.debits_posted + total, state.credits_posted)
        version_after = state.version + 1
    await session.execute(insert(POSTING).values(
        entry_id=entry_id, account_id=state.id, direction=DEBIT, amount_minor=total,
        pending=False, balance_after_minor=balance_after, account_version=version_after,
        created_at=now))


async def _credit(session: AsyncSession, c: Any, entry_id: int, debit_account_id: int,
                  now: datetime) -> tuple[int, int]:
    """The credit postings (one INSERT ... SELECT) and the credited accounts (one UPDATE);
    returns (postings written, accounts moved)."""
    a, p = ACCOUNT.c, POSTING.c
    running = func.sum(c.c.amount_minor).over(partition_by=c.c.account_id, order_by=c.c.key)
    balance_after = case((a.normal_balance == CREDIT, a.credits_posted - a.debits_posted + running),
                         else_=a.debits_posted - a.credits_posted - running)
    rows = (select(literal(entry_id), c.c.account_id, literal(CREDIT), c.c.amount_minor,
                   literal(False, Boolean), balance_after, a.version + 1,
                   literal(now, POSTING.c.created_at.type))
            .join_from(c, ACCOUNT, a.id == c.c.account_id)
            .where(c.c.account_id != debit_account_id).order_by(c.c.key))
    written = rowcount(await session.execute(insert(POSTING).from_select(
        ["entry_id", "account_id", "direction", "amount_minor", "pending",
         "balance_after_minor", "account_version", "created_at"], rows)))
    # Each credited account by the sum of this entry's credit postings on it (found through
    # the entry's index), in one ``UPDATE ... FROM`` their aggregate.
    added = (select(p.account_id, func.sum(p.amount_minor).label("added"))
             .where(p.entry_id == entry_id, p.direction == CREDIT)
             .group_by(p.account_id).subquery("added"))
    moved = rowcount(await session.execute(
        update(ACCOUNT).where(a.id == added.c.account_id, a.status == "open")
        .ordered_values((a.credits_posted, a.credits_posted + added.c.added),
                        (a.version, a.version + 1), (a.updated_at, now))))
    return written, moved


async def credit_many(session: AsyncSession, *, source_type: str, code: str,
                      debit_account_id: int, credits: Select[Any], currency: str,
                      now: datetime, source_id: str | None = None,
                      reference: str | None = None,
                      metadata: Mapping[str, Any] | None = None) -> Spread | None:
    """One entry: ``debit_account_id`` pays every row of ``credits`` (see the module); None
    when it has no rows. Its source id is ``source_id``, by default the first key credited.
    All or nothing in the caller's transaction (roll back on error).

    Raises ``AccountNotFound`` (the paying account), ``AccountFrozen``, ``AccountClosed``
    (naming the account), ``InsufficientFunds``, ``InvalidPostings`` (also for a credit
    without an account or to the paying account),
    ``DuplicateSource``, ``InvalidInput`` (more than ``MAX_CREDITS``).
    """
    now = ensure_utc(now)
    c = credits.subquery("credit")
    # The credits read once (the caller's SELECT runs here and in the postings' insert only);
    # their accounts are checked by the lock below and by the insert.
    rows = (await session.execute(
        select(c.c.key, c.c.account_id, c.c.amount_minor).limit(MAX_CREDITS + 1))).all()
    if not rows:
        return None
    count = len(rows)
    source_id = str(min(row.key for row in rows)) if source_id is None else source_id
    validate_source(source_type, source_id, code)
    if count > MAX_CREDITS:
        raise field_error("credits", f"one entry credits at most {MAX_CREDITS} rows")
    if any(row.amount_minor is None or row.amount_minor <= 0 for row in rows):
        raise InvalidPostings("every credit is a positive amount")
    credited = {row.account_id for row in rows}
    if None in credited or debit_account_id in credited:
        raise InvalidPostings("every credit names an account other than the paying account")
    total = sum(int(row.amount_minor) for row in rows)
    accounts = len(credited)
    debited = await _lock(session, debit_account_id, credited, currency)
    _refuse_debit(debited, total)
    [entry_id] = await _insert_entries(session, [EntrySpec(
        source_type=source_type, source_id=source_id, code=code, entry_type="transfer", legs=[],
        reference=reference, metadata=metadata)], now)
    await _debit(session, debited, entry_id, total, now)
    written, moved = await _credit(session, c, entry_id, debit_account_id, now)
    if written != count:
        # A credit whose account is missing or is the paying account joined no account row.
        raise InvalidPostings("every credit names an account other than the paying account")
    assert moved == accounts, "the credited accounts are locked and open"
    return Spread(entry_id=entry_id, source_id=source_id, credits=count, total_minor=total)


__all__ = ["MAX_CREDITS", "Spread", "blocked_keys", "credit_many", "wallet_join"]
