"""One entry crediting many accounts from a SELECT (``finplat.ledger.spread``): the same books
as one posting per credit, balances and versions after each posting, a constant number of
statements, refused as a whole, and the paying account guarded under a race."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import BigInteger, literal, select, union_all

from finplat.ledger import service as ledger_service
from finplat.ledger.exceptions import AccountFrozen, InsufficientFunds, InvalidPostings
from tests.integration.ledger.test_bulk import _settlement, _Statements


def _credits(pairs: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
    """A SELECT of ``(key, account_id, amount_minor)`` rows, keys in the given order."""
    rows = union_all(*[
        select(literal(n, BigInteger).label("key"), literal(account, BigInteger).label(
            "account_id"), literal(amount, BigInteger).label("amount_minor"))
        for n, (account, amount) in enumerate(pairs, start=1)]).subquery()
    return select(rows.c.key, rows.c.account_id, rows.c.amount_minor)


async def _spread(books, account: int, pairs, source_id: str | None = None):  # type: ignore[no-untyped-def]
    async with books.db.transaction() as session:
        return await ledger_service.credit_many(
            session, source_type="t_payout", source_id=source_id, code="payout",
            debit_account_id=account, credits=_credits(pairs), currency="CNY", now=books.now)


async def test_one_entry_credits_many_with_balances_and_versions(books):
    account = await _settlement(books, 10_000)
    wallets = [await books.wallet(user_id) for user_id in range(1, 4)]
    spread = await _spread(books, account, [(wallets[0], 100), (wallets[1], 200),
                                            (wallets[0], 50), (wallets[2], 300)])
    assert spread is not None and (spread.credits, spread.total_minor) == (4, 650)
    assert spread.source_id == "1"  # the first key, by default
    assert [(await books.balance(w))[0] for w in wallets] == [150, 200, 300]
    assert (await books.balance(account))[0] == 10_000 - 650
    async with books.db.transaction(readonly=True) as session:
        page = await ledger_service.statement(session, account_id=wallets[0], limit=10)
    # Two postings to one wallet in one entry: each its own balance after, in key order.
    assert sorted(line.balance_after_minor for line in page.items) == [100, 150]
    # A second entry moves each account's version on by one.
    await _spread(books, account, [(wallets[0], 1)], "again")
    async with books.db.transaction() as session:
        first = await ledger_service.get_account(session, account_id=wallets[0])
        second = await ledger_service.get_account(session, account_id=wallets[1])
    assert first.version == second.version + 1


async def test_no_rows_write_nothing(books):
    account = await _settlement(books, 100)
    async with books.db.transaction() as session:
        assert await ledger_service.credit_many(
            session, source_type="t_payout", code="payout", debit_account_id=account,
            credits=_credits([(account, 1)]).where(literal(1) == 0), currency="CNY",
            now=books.now) is None
    assert (await books.balance(account))[0] == 100


@pytest.mark.parametrize("size", [1, 8, 80])
async def test_statement_count_does_not_grow_with_the_credits(books, size):
    account = await _settlement(books, 1_000_000)
    wallets = [await books.wallet(user_id) for user_id in range(1, size + 1)]
    with _Statements(books.db) as counted:
        await _spread(books, account, [(w, 10) for w in wallets], f"s{size}")
    # BEGIN/COMMIT aside: totals, lock, entry, its id, paying account, its posting, the
    # credit postings, the credited accounts (and SQLite's savepoint-free extras).
    assert counted.count <= 10
    assert sum([(await books.balance(w))[0] for w in wallets]) == 10 * size


async def test_refused_as_a_whole(books):
    account = await _settlement(books, 250)
    wallets = [await books.wallet(user_id) for user_id in range(1, 3)]
    with pytest.raises(InsufficientFunds):
        await _spread(books, account, [(wallets[0], 200), (wallets[1], 51)])
    async with books.db.transaction() as session:
        await ledger_service.freeze_account(session, account_id=wallets[1], reason="court",
                                            actor_id=None, now=books.now)
    with pytest.raises(AccountFrozen) as frozen:
        await _spread(books, account, [(wallets[0], 10), (wallets[1], 10)])
    assert frozen.value.extra["account_id"] == wallets[1]
    async with books.db.transaction(readonly=True) as session:
        keys = await ledger_service.blocked_keys(
            session, _credits([(wallets[0], 10), (wallets[1], 10)]))
    assert keys == [2]
    with pytest.raises(InvalidPostings):
        await _spread(books, account, [(wallets[0], 10), (account, 10)], "self")
    with pytest.raises(InvalidPostings):
        await _spread(books, account, [(wallets[0], 10), (wallets[0], 0)], "zero")
    assert (await books.balance(account))[0] == 250
    assert [(await books.balance(w))[0] for w in wallets] == [0, 0]


async def test_two_sessions_racing_for_one_settlement_account(books):
    account = await _settlement(books, 1_000)
    wallets = [await books.wallet(user_id) for user_id in range(1, 11)]

    async def spread(n: int):  # type: ignore[no-untyped-def]
        return await _spread(books, account, [(w, 60) for w in wallets], f"race{n}")

    results = await asyncio.gather(spread(1), spread(2), return_exceptions=True)
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], InsufficientFunds), results
    assert await books.balance(account) == (400, 400, 0)
    assert [(await books.balance(w))[0] for w in wallets] == [60] * 10


async def test_wallet_join_finds_each_users_wallet(books):
    wallets = {user_id: await books.wallet(user_id) for user_id in (5, 12)}
    users = union_all(*[select(literal(u, BigInteger).label("user_id")) for u in (5, 12, 99)]
                      ).subquery()
    wallet, on = ledger_service.wallet_join(users.c.user_id)
    async with books.db.transaction(readonly=True) as session:
        found = dict((await session.execute(
            select(users.c.user_id, wallet.c.id).join_from(users, wallet, on))).all())
    assert found == wallets


async def test_a_credit_naming_no_account_is_refused_before_anything_is_written(books):
    account = await _settlement(books, 1_000)
    wallet = await books.wallet(1)
    with pytest.raises(InvalidPostings):
        await _spread(books, account, [(wallet, 10), (wallet + 10_000, 10)], "missing")
    assert (await books.balance(account))[0] == 1_000
    assert (await books.balance(wallet))[0] == 0
