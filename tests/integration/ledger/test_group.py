"""submit_transfer: concurrent single transfers committed in groups, each with its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from finplat.core.errors import DomainError, InvalidInput
from finplat.core.money import Money
from finplat.ledger import group
from finplat.ledger import service as ledger_service
from finplat.ledger.exceptions import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    DuplicateSource,
    InsufficientFunds,
    InvalidPostings,
)
from finplat.ledger.models import LedgerAccount, LedgerPosting


@pytest.fixture
async def flushes(db) -> AsyncIterator[list[int]]:  # type: ignore[no-untyped-def]
    """The size of every group written while the test runs (counted, never timed)."""
    committer = group.committer(db)
    sizes: list[int] = []
    committer.on_flush = sizes.append
    yield sizes
    committer.on_flush = None


def _submit(books, source_id: str, debit: int, credit: int, amount_minor: int, *,
            currency: str = "CNY", source_type: str = "test_group"):  # type: ignore[no-untyped-def]
    return ledger_service.submit_transfer(
        books.db, source_type=source_type, source_id=source_id, code="transfer",
        debit_account_id=debit, credit_account_id=credit, amount=Money(amount_minor, currency),
        now=books.now, metadata={"n": source_id})


async def _outcomes(awaitables):  # type: ignore[no-untyped-def]
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, BaseException)
                  and not isinstance(r, DomainError)]
    assert not unexpected, unexpected
    return results


async def _wallet_postings(books, account_id: int) -> list[tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    async with books.db.transaction(readonly=True) as session:
        rows = (await session.execute(
            select(LedgerPosting.amount_minor, LedgerPosting.balance_after_minor,
                   LedgerPosting.account_version)
            .where(LedgerPosting.account_id == account_id).order_by(LedgerPosting.id))).all()
    return [(row[0], row[1], row[2]) for row in rows]


async def test_one_refused_transfer_does_not_fail_the_others_in_its_group(books, flushes):
    rich = await books.wallet(1, funded_minor=100_000)
    empty = await books.wallet(2)
    results = await _outcomes([
        _submit(books, "g1", rich, books.custody_cash, 10_000),
        _submit(books, "g2", empty, books.custody_cash, 10_000),
        _submit(books, "g3", books.custody_cash, empty, 5_000),
    ])
    assert flushes == [3]
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert isinstance(results[1], InsufficientFunds)
    assert results[1].extra == {"account_id": empty}
    assert await books.balance(rich) == (90_000, 90_000, 0)
    assert await books.balance(empty) == (5_000, 5_000, 0)


async def test_duplicate_sources_in_one_group_and_against_an_existing_entry(books, flushes):
    wallet = await books.wallet(1, funded_minor=100_000)
    results = await _outcomes([
        _submit(books, "same", wallet, books.custody_cash, 1_000),
        _submit(books, "same", wallet, books.custody_cash, 2_000),
        # The funding deposit of the fixture: booked earlier by ledger_service.transfer.
        _submit(books, "fund-1", books.custody_cash, wallet, 3_000, source_type="test_deposit"),
        _submit(books, "other", wallet, books.custody_cash, 4_000),
    ])
    assert flushes == [4]
    assert isinstance(results[0], int) and isinstance(results[3], int)
    assert isinstance(results[1], DuplicateSource) and isinstance(results[2], DuplicateSource)
    assert await books.balance(wallet) == (95_000, 95_000, 0)
    with pytest.raises(DuplicateSource):
        await _submit(books, "same", wallet, books.custody_cash, 1_000)


async def test_fifty_withdrawals_against_ten_worth_of_funds(books):
    wallet = await books.wallet(1, funded_minor=100_000)
    results = await _outcomes([_submit(books, f"w{n}", wallet, books.custody_cash, 10_000)
                               for n in range(50)])
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(results) - len(refused) == 10
    assert len(refused) == 40 and all(isinstance(r, InsufficientFunds) for r in refused)
    assert await books.balance(wallet) == (0, 0, 0)


@pytest.mark.parametrize("max_in_flight", [1, 2])
async def test_transfers_both_ways_alongside_single_transfers_never_fail(books, max_in_flight):
    committer = group.committer(books.db)
    committer.max_in_flight = max_in_flight
    try:
        await _both_ways(books)
    finally:
        committer.max_in_flight = group.MAX_IN_FLIGHT


async def _both_ways(books) -> None:  # type: ignore[no-untyped-def]
    first = await books.wallet(1, funded_minor=50_000)
    second = await books.wallet(2, funded_minor=50_000)

    def single(n: int, source: int, target: int):  # type: ignore[no-untyped-def]
        async def work(session):  # type: ignore[no-untyped-def]
            return await ledger_service.transfer(
                session, source_type="test_single", source_id=f"s{n}", code="transfer",
                postings=[ledger_service.debit(source, Money(100)),
                          ledger_service.credit(target, Money(100)),
                          ledger_service.debit(books.custody_cash, Money(1)),
                          ledger_service.credit(source, Money(1))],
                now=books.now)
        return books.db.run(work)

    tasks = []
    for n in range(60):
        source, target = (first, second) if n % 2 else (second, first)
        tasks.append(single(n, source, target) if n % 3 == 0
                     else _submit(books, f"t{n}", source, target, 100))
    results = await _outcomes(tasks)
    assert not [r for r in results if isinstance(r, BaseException)]
    # 20 singles (10 each way, each also credits its source 1 fen from custody), 40 submitted
    # transfers (20 each way): only the custody fen move the balances.
    assert await books.balance(first) == (50_010, 50_010, 0)
    assert await books.balance(second) == (50_010, 50_010, 0)


async def test_frozen_closed_unknown_and_other_currency_are_refused_per_item(books, flushes):
    wallet = await books.wallet(1, funded_minor=10_000)
    frozen = await books.wallet(2, funded_minor=10_000)
    closed = await books.wallet(3)
    async with books.db.transaction() as session:
        await ledger_service.freeze_account(session, account_id=frozen, reason="court order",
                                            actor_id=None, now=books.now)
        await ledger_service.close_account(session, account_id=closed, reason="customer left",
                                           actor_id=None, now=books.now)
    unknown = closed + 1_000
    results = await _outcomes([
        _submit(books, "f1", books.custody_cash, frozen, 100),
        _submit(books, "f2", frozen, wallet, 100),
        _submit(books, "f3", books.custody_cash, closed, 100),
        _submit(books, "f4", books.custody_cash, unknown, 100),
        _submit(books, "f5", books.custody_cash, wallet, 100, currency="USD"),
        _submit(books, "f6", books.custody_cash, wallet, 100),
    ])
    assert flushes == [6]
    assert [type(r) for r in results[:5]] == [AccountFrozen, AccountFrozen, AccountClosed,
                                              AccountNotFound, InvalidPostings]
    assert results[0].extra == {"account_id": frozen}
    assert isinstance(results[5], int)
    assert await books.balance(wallet) == (10_100, 10_100, 0)
    assert await books.balance(frozen) == (10_000, 10_000, 0)


async def test_postings_carry_the_balance_and_version_sequential_transfers_would(books, flushes):
    grouped = await books.wallet(1)
    sequential = await books.wallet(2)
    amounts = [500, 1_200, 30, 7_000, 45, 1]
    results = await _outcomes([_submit(books, f"d{n}", books.custody_cash, grouped, amount)
                               for n, amount in enumerate(amounts)]
                              + [_submit(books, "out", grouped, books.custody_cash, 9_999_999)])
    assert isinstance(results[-1], InsufficientFunds)
    assert len(flushes) < len(amounts)
    for n, amount in enumerate(amounts):
        async with books.db.transaction() as session:
            await ledger_service.transfer(
                session, source_type="test_sequential", source_id=f"d{n}", code="transfer",
                debit_account_id=books.custody_cash, credit_account_id=sequential,
                amount=Money(amount), now=books.now)
    walked = await _wallet_postings(books, grouped)
    assert walked == await _wallet_postings(books, sequential)
    assert [balance for _amount, balance, _version in walked] == [
        sum(amounts[:n + 1]) for n in range(len(amounts))]
    async with books.db.transaction(readonly=True) as session:
        versions = [await session.scalar(select(LedgerAccount.version)
                                         .where(LedgerAccount.id == account))
                    for account in (grouped, sequential)]
    assert versions[0] == versions[1] == walked[-1][2]
    custody = await _wallet_postings(books, books.custody_cash)
    assert all(balance is None and version is None for _amount, balance, version in custody)


async def test_bad_input_never_reaches_a_group(books, flushes):
    wallet = await books.wallet(1, funded_minor=10_000)
    with pytest.raises(InvalidInput):
        await _submit(books, "x1", wallet, wallet, 100)
    with pytest.raises(InvalidPostings):
        await _submit(books, "x2", wallet, books.custody_cash, 0)
    # PostgreSQL cannot store NUL: refused on every database, before it could fail a group.
    with pytest.raises(InvalidInput):
        await _submit(books, "x3\x00", wallet, books.custody_cash, 100)
    assert flushes == []


async def test_an_account_locked_elsewhere_holds_up_only_its_own_transfer(books, flushes):
    if books.db.dialect != "postgresql":
        pytest.skip("row locks and lock timeouts are PostgreSQL's")
    free = await books.wallet(1)
    held = await books.wallet(2)
    async with books.db.transaction() as session:
        await session.execute(select(LedgerAccount.id).where(LedgerAccount.id == held)
                              .with_for_update())
        to_free = asyncio.ensure_future(_submit(books, "l1", books.custody_cash, free, 100))
        to_held = asyncio.ensure_future(_submit(books, "l2", books.custody_cash, held, 100))
        # The group times out on the held row once, then goes item by item: the free wallet's
        # transfer commits while the other row is still locked.
        assert isinstance(await to_free, int)
        assert not to_held.done()
    assert isinstance(await to_held, int)
    assert flushes == [2]
    assert await books.balance(free) == (100, 100, 0)
    assert await books.balance(held) == (100, 100, 0)
