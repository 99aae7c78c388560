"""Holds posted and released in bulk (``finplat.ledger.bulk_holds``): the same books as one
call per hold, in a constant number of statements, and one winner when two sessions race."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from finplat.core.money import Money
from finplat.ledger import service as ledger_service
from finplat.ledger.exceptions import HoldNotOpen
from finplat.ledger.posting import POSTING
from finplat.ledger.verify import verify_ledger
from tests.integration.ledger.test_bulk import _holds, _Statements


async def _hold(books, wallet: int, amount_minor: int, source_id: str) -> int:
    async with books.db.transaction() as session:
        escrow = await ledger_service.account_for(session, kind=ledger_service.PRODUCT_ESCROW,
                                                  reference="product:1", now=books.now)
        return await ledger_service.hold(
            session, source_type="t_order", source_id=source_id, code="invest",
            debit_account_id=wallet, credit_account_id=escrow, amount=Money(amount_minor),
            now=books.now)


async def _lines(books, account: int) -> list[tuple[object, ...]]:
    """The account's postings in order: direction, amount, pending, balance and version after."""
    p = POSTING.c
    async with books.db.transaction(readonly=True) as session:
        rows = await session.execute(
            select(p.direction, p.amount_minor, p.pending, p.balance_after_minor,
                   p.account_version).where(p.account_id == account).order_by(p.id))
        return [tuple(row) for row in rows]


async def _version(books, account: int) -> int:
    async with books.db.transaction(readonly=True) as session:
        return (await ledger_service.get_account(session, account_id=account)).version


async def test_posting_in_bulk_writes_what_posting_one_by_one_writes(books):
    bulk_wallet = await books.wallet(1, funded_minor=1_000)
    single_wallet = await books.wallet(2, funded_minor=1_000)
    amounts = [100, 250, 70]
    bulk_holds = [await _hold(books, bulk_wallet, amount, f"b{n}")
                  for n, amount in enumerate(amounts)]
    single_holds = [await _hold(books, single_wallet, amount, f"s{n}")
                    for n, amount in enumerate(amounts)]
    async with books.db.transaction() as session:
        posted = await ledger_service.post_holds(session, hold_ids=bulk_holds, now=books.now)
        for hold_id in single_holds:
            await ledger_service.post_hold(session, hold_id=hold_id, now=books.now)
    assert sorted(posted) == sorted(bulk_holds)
    assert await books.balance(bulk_wallet) == await books.balance(single_wallet) \
        == (580, 580, 0)
    assert await _lines(books, bulk_wallet) == await _lines(books, single_wallet)
    assert await _version(books, bulk_wallet) == await _version(books, single_wallet)


async def test_accounts_on_both_sides_keep_their_running_balances(books):
    first = await books.wallet(1, funded_minor=500)
    second = await books.wallet(2, funded_minor=500)
    async with books.db.transaction() as session:
        there = await ledger_service.hold(
            session, source_type="t_order", source_id="there", code="invest",
            debit_account_id=first, credit_account_id=second, amount=Money(200), now=books.now)
        back = await ledger_service.hold(
            session, source_type="t_order", source_id="back", code="invest",
            debit_account_id=second, credit_account_id=first, amount=Money(50), now=books.now)
    async with books.db.transaction() as session:
        await ledger_service.post_holds(session, hold_ids=[there, back], now=books.now)
    assert await books.balance(first) == (350, 350, 0)
    assert await books.balance(second) == (650, 650, 0)
    async with books.db.transaction(readonly=True) as session:
        assert (await verify_ledger(session)).ok


async def test_statement_count_does_not_grow_with_the_holds(books):
    wallets = [await books.wallet(user_id, funded_minor=1_000) for user_id in (1, 2)]
    counts = []
    for size in (1, 60):
        held = [await _hold(books, wallet, 5, f"{size}-{wallet}-{n}")
                for wallet in wallets for n in range(size)]
        async with books.db.transaction() as session:
            with _Statements(books.db) as counted:
                await ledger_service.post_holds(session, hold_ids=held, now=books.now)
        counts.append(counted.count)
    # Lock the holds, claim them, lock the accounts (and read the hot escrow), the entries,
    # the postings, the accounts, the entries' ids (and BEGIN where the driver sends it).
    assert counts[0] == counts[1] <= 9
    assert [(await books.balance(w))[0] for w in wallets] == [1_000 - 5 * 61] * 2


async def test_two_sessions_racing_to_settle_the_same_holds(books):
    wallet = await books.wallet(1, funded_minor=1_000)
    held = await _holds(books, wallet, 5)

    async def settle(post: bool) -> dict[int, int]:
        async with books.db.transaction() as session:
            if post:
                return await ledger_service.post_holds(session, hold_ids=held, now=books.now)
            return await ledger_service.void_holds(session, hold_ids=held, now=books.now)

    results = await asyncio.gather(settle(True), settle(False), return_exceptions=True)
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], HoldNotOpen), results
    posted = not isinstance(results[0], BaseException)
    assert await books.balance(wallet) == ((500, 500, 0) if posted else (1_000, 1_000, 0))
