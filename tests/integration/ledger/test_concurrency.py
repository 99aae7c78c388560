"""Races between real concurrent sessions: the guards hold under contention."""

from __future__ import annotations

import asyncio

from finplat.core.errors import DomainError
from finplat.core.money import Money
from finplat.ledger import service as ledger_service


async def _outcomes(tasks):
    results = await asyncio.gather(*tasks, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, BaseException)
                  and not isinstance(r, DomainError)]
    assert not unexpected, unexpected
    return results


async def test_fifty_withdrawals_against_ten_worth_of_funds(books):
    wallet = await books.wallet(1, funded_minor=100_000)

    def withdraw(n):
        async def work(session):
            return await ledger_service.transfer(
                session, source_type="test_withdrawal", source_id=f"w{n}", code="withdraw",
                debit_account_id=wallet, credit_account_id=books.custody_cash,
                amount=Money(10_000), now=books.now)
        return books.db.run(work)

    results = await _outcomes([withdraw(n) for n in range(50)])
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(results) - len(refused) == 10
    assert {r.code for r in refused} == {"ledger.insufficient_funds"}
    assert await books.balance(wallet) == (0, 0, 0)


async def test_fifty_holds_against_ten_worth_of_funds(books):
    wallet = await books.wallet(1, funded_minor=100_000)

    def freeze(n):
        async def work(session):
            return await ledger_service.hold(
                session, source_type="test_order", source_id=f"o{n}", code="invest",
                debit_account_id=wallet, credit_account_id=books.suspense,
                amount=Money(10_000), now=books.now)
        return books.db.run(work)

    results = await _outcomes([freeze(n) for n in range(50)])
    held = [r for r in results if not isinstance(r, DomainError)]
    assert len(held) == 10
    assert {r.code for r in results if isinstance(r, DomainError)} == {"ledger.insufficient_funds"}
    assert await books.balance(wallet) == (100_000, 0, 100_000)
    for hold_id in held:
        async with books.db.transaction() as session:
            await ledger_service.void_hold(session, hold_id=hold_id, now=books.now)


async def test_transfers_both_ways_never_deadlock_for_the_caller(books):
    first = await books.wallet(1, funded_minor=50_000)
    second = await books.wallet(2, funded_minor=50_000)

    def move(n, source, target):
        async def work(session):
            return await ledger_service.transfer(
                session, source_type="test_transfer", source_id=f"t{n}", code="transfer",
                postings=[ledger_service.debit(source, Money(100)),
                          ledger_service.credit(target, Money(100)),
                          # Each transfer also touches the hot custody account.
                          ledger_service.debit(books.custody_cash, Money(1)),
                          ledger_service.credit(source, Money(1))],
                now=books.now)
        return books.db.run(work)

    tasks = [move(n, first, second) if n % 2 else move(n, second, first) for n in range(40)]
    results = await _outcomes(tasks)
    assert not [r for r in results if isinstance(r, BaseException)]
    assert await books.balance(first) == (50_020, 50_020, 0)
    assert await books.balance(second) == (50_020, 50_020, 0)


async def test_posting_and_voiding_one_hold_at_once_settles_it_once(books):
    wallet = await books.wallet(1, funded_minor=1_000)
    async with books.db.transaction() as session:
        hold_id = await ledger_service.hold(
            session, source_type="test_withdrawal", source_id="w", code="withdraw",
            debit_account_id=wallet, credit_account_id=books.custody_cash, amount=Money(1_000),
            now=books.now)

    async def post(session):
        return await ledger_service.post_hold(session, hold_id=hold_id, now=books.now)

    async def void(session):
        return await ledger_service.void_hold(session, hold_id=hold_id, now=books.now)

    results = await _outcomes([books.db.run(work) for _ in range(3) for work in (post, void)])
    assert len([r for r in results if not isinstance(r, DomainError)]) == 1
    assert {r.code for r in results if isinstance(r, DomainError)} == {"ledger.hold_not_open"}
    balance = await books.balance(wallet)
    assert balance in ((0, 0, 0), (1_000, 1_000, 0))
