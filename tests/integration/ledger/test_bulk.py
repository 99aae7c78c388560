"""Set-based ledger writes (``finplat.ledger.bulk``): the same books as one call per entry, in a
constant number of statements, refused as a whole, guarded by the database under a race."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event

from finplat.core.errors import DomainError
from finplat.core.money import Money
from finplat.ledger import bulk
from finplat.ledger import service as ledger_service
from finplat.ledger.exceptions import (
    AccountFrozen,
    DuplicateSource,
    HoldNotOpen,
    InsufficientFunds,
    InvalidPostings,
)


async def _settlement(books, funded_minor: int) -> int:
    async with books.db.transaction() as session:
        account = await ledger_service.account_for(
            session, kind=ledger_service.INSTITUTION_SETTLEMENT, reference="institution:1",
            now=books.now)
    wallet = await books.wallet(900, funded_minor=funded_minor)
    async with books.db.transaction() as session:
        await ledger_service.transfer(session, source_type="t", source_id="fund", code="fund",
                                      debit_account_id=wallet, credit_account_id=account,
                                      amount=Money(funded_minor), now=books.now)
    return account


class _Statements:
    """Counts the statements a block sends (SQLAlchemy's engine events)."""

    def __init__(self, db) -> None:
        self.engine = db.engine.sync_engine
        self.count = 0

    def _seen(self, *_args) -> None:
        self.count += 1

    def __enter__(self) -> _Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


async def _pay(books, account: int, credits, source_id: str) -> int:
    async with books.db.transaction() as session:
        return await ledger_service.transfer_to_many(
            session, source_type="t_payout", source_id=source_id, code="payout",
            debit_account_id=account, credits=credits, now=books.now)


async def test_one_entry_pays_many_wallets_with_balances_and_versions(books):
    account = await _settlement(books, 10_000)
    wallets = [await books.wallet(user_id) for user_id in range(1, 4)]
    credits = [(wallets[0], Money(100)), (wallets[1], Money(200)), (wallets[0], Money(50)),
               (wallets[2], Money(300))]
    await _pay(books, account, credits, "p1")
    assert [(await books.balance(w))[0] for w in wallets] == [150, 200, 300]
    assert (await books.balance(account))[0] == 10_000 - 650
    async with books.db.transaction(readonly=True) as session:
        page = await ledger_service.statement(session, account_id=wallets[0], limit=10)
    # Two postings to one wallet in one entry: each its own balance after, in order.
    assert sorted(line.balance_after_minor for line in page.items) == [100, 150]


@pytest.mark.parametrize("size", [1, 7, 60])
async def test_statement_count_does_not_grow_with_the_chunk(books, size):
    account = await _settlement(books, 1_000_000)
    wallets = [await books.wallet(user_id) for user_id in range(1, size + 1)]
    with _Statements(books.db) as counted:
        await _pay(books, account, [(w, Money(10)) for w in wallets], f"s{size}")
    # BEGIN/COMMIT aside: lock, (hot accounts), insert entry, read id, update, postings.
    assert counted.count <= 8
    assert sum([(await books.balance(w))[0] for w in wallets]) == 10 * size


async def test_refused_as_a_whole(books):
    account = await _settlement(books, 250)
    wallets = [await books.wallet(user_id) for user_id in range(1, 4)]
    with pytest.raises(InsufficientFunds):
        await _pay(books, account, [(w, Money(100)) for w in wallets], "too-much")
    assert [(await books.balance(w))[0] for w in wallets] == [0, 0, 0]
    async with books.db.transaction() as session:
        await ledger_service.freeze_account(session, account_id=wallets[1], reason="court",
                                            actor_id=None, now=books.now)
    with pytest.raises(AccountFrozen):
        await _pay(books, account, [(w, Money(10)) for w in wallets], "frozen")
    await _pay(books, account, [(wallets[0], Money(10))], "once")
    with pytest.raises(DuplicateSource):
        await _pay(books, account, [(wallets[0], Money(10))], "once")
    with pytest.raises(InvalidPostings):
        await _pay(books, account, [(account, Money(10))], "self")
    assert (await books.balance(account))[0] == 240


async def test_the_database_guard_refuses_what_python_let_through(books, monkeypatch):
    account = await _settlement(books, 100)
    wallet = await books.wallet(1)
    # Without the check in Python, the guarded UPDATE alone must refuse the overdraft.
    monkeypatch.setattr(bulk, "within_limits", lambda state, delta: True)
    with pytest.raises(InsufficientFunds):
        await _pay(books, account, [(wallet, Money(101))], "over")
    assert await books.balance(account) == (100, 100, 0)


async def test_two_sessions_racing_for_one_settlement_account(books):
    account = await _settlement(books, 1_000)
    wallets = [await books.wallet(user_id) for user_id in range(1, 11)]

    async def payout(n: int):
        return await _pay(books, account, [(w, Money(60)) for w in wallets], f"race{n}")

    results = await asyncio.gather(payout(1), payout(2), return_exceptions=True)
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], InsufficientFunds), results
    assert await books.balance(account) == (400, 400, 0)
    assert [(await books.balance(w))[0] for w in wallets] == [60] * 10


async def _holds(books, wallet: int, count: int, amount: int = 100) -> list[int]:
    ids = []
    async with books.db.transaction() as session:
        escrow = await ledger_service.account_for(session, kind=ledger_service.PRODUCT_ESCROW,
                                                  reference="product:1", now=books.now)
        for n in range(count):
            ids.append(await ledger_service.hold(
                session, source_type="t_order", source_id=f"{wallet}-{n}", code="invest",
                debit_account_id=wallet, credit_account_id=escrow, amount=Money(amount),
                now=books.now))
    return ids


async def test_post_and_void_many_holds_like_one_by_one(books):
    first = await books.wallet(1, funded_minor=1_000)
    second = await books.wallet(2, funded_minor=1_000)
    held = await _holds(books, first, 3) + await _holds(books, second, 2)
    assert await books.balance(first) == (1_000, 700, 300)
    async with books.db.transaction() as session:
        posted = await ledger_service.post_holds(session, hold_ids=held[:4], now=books.now)
        voided = await ledger_service.void_holds(session, hold_ids=held[4:], now=books.now)
    assert set(posted) == set(held[:4]) and set(voided) == {held[4]}
    assert await books.balance(first) == (700, 700, 0)
    assert await books.balance(second) == (900, 900, 0)
    async with books.db.transaction(readonly=True) as session:
        page = await ledger_service.statement(session, account_id=first, limit=10)
        hold = await ledger_service.get_hold(session, hold_id=held[0])
    assert hold.status == "posted" and hold.posted_minor == 100
    assert [line.balance_after_minor for line in page.items][:3] == [700, 800, 900]
    with pytest.raises(HoldNotOpen):
        async with books.db.transaction() as session:
            await ledger_service.post_holds(session, hold_ids=held[3:5], now=books.now)


async def test_posting_holds_refuses_a_frozen_wallet_but_voiding_is_allowed(books):
    wallet = await books.wallet(1, funded_minor=500)
    held = await _holds(books, wallet, 2)
    async with books.db.transaction() as session:
        await ledger_service.freeze_account(session, account_id=wallet, reason="court",
                                            actor_id=None, now=books.now)
        assert await ledger_service.blocked_accounts(session, account_ids=[wallet]) == {wallet}
    with pytest.raises(DomainError) as refused:
        async with books.db.transaction() as session:
            await ledger_service.post_holds(session, hold_ids=held, now=books.now)
    assert refused.value.code == "ledger.account_frozen"
    async with books.db.transaction() as session:
        await ledger_service.void_holds(session, hold_ids=held, now=books.now)
    assert await books.balance(wallet) == (500, 500, 0)


async def test_limits_on_the_size_of_a_bulk_write(books):
    account = await _settlement(books, 10)
    wallet = await books.wallet(1)
    with pytest.raises(DomainError):
        await _pay(books, account, [(wallet, Money(1))] * bulk.MAX_POSTINGS, "huge")
