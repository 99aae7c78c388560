from __future__ import annotations

from datetime import timedelta

import pytest

from finplat.core.errors import InvalidInput
from finplat.core.money import Money
from finplat.ledger import service as ledger_service
from finplat.ledger.exceptions import (
    AccountFrozen,
    AccountNotEmpty,
    HoldNotOpen,
    InsufficientFunds,
)


async def _hold(books, wallet, amount_minor, source_id, **extra):
    async with books.db.transaction() as session:
        return await ledger_service.hold(
            session, source_type="test_withdrawal", source_id=source_id, code="withdraw",
            debit_account_id=wallet, credit_account_id=books.custody_cash,
            amount=Money(amount_minor), now=books.now, **extra)


async def test_hold_freezes_then_partial_post_releases_the_rest(books):
    wallet = await books.wallet(1, funded_minor=10_000)
    hold_id = await _hold(books, wallet, 6_000, "w1")
    assert await books.balance(wallet) == (10_000, 4_000, 6_000)
    with pytest.raises(InsufficientFunds):
        await _hold(books, wallet, 4_001, "w2")
    async with books.db.transaction() as session:
        await ledger_service.post_hold(session, hold_id=hold_id, amount=Money(5_000),
                                       now=books.now)
    assert await books.balance(wallet) == (5_000, 5_000, 0)
    with pytest.raises(HoldNotOpen):
        async with books.db.transaction() as session:
            await ledger_service.void_hold(session, hold_id=hold_id, now=books.now)


async def test_posting_more_than_held_is_refused(books):
    wallet = await books.wallet(1, funded_minor=10_000)
    hold_id = await _hold(books, wallet, 1_000, "w1")
    with pytest.raises(InvalidInput):
        async with books.db.transaction() as session:
            await ledger_service.post_hold(session, hold_id=hold_id, amount=Money(1_001),
                                           now=books.now)
    async with books.db.transaction() as session:
        await ledger_service.post_hold(session, hold_id=hold_id, now=books.now)
    assert await books.balance(wallet) == (9_000, 9_000, 0)


async def test_void_gives_the_money_back(books):
    wallet = await books.wallet(1, funded_minor=10_000)
    hold_id = await _hold(books, wallet, 10_000, "w1")
    assert await books.balance(wallet) == (10_000, 0, 10_000)
    async with books.db.transaction() as session:
        await ledger_service.void_hold(session, hold_id=hold_id, now=books.now)
    assert await books.balance(wallet) == (10_000, 10_000, 0)


async def test_expired_holds_are_released_by_the_job(books):
    wallet = await books.wallet(1, funded_minor=10_000)
    await _hold(books, wallet, 3_000, "w1", expires_at=books.now + timedelta(minutes=30))
    keep = await _hold(books, wallet, 1_000, "w2", expires_at=books.now + timedelta(hours=2))
    async with books.db.transaction() as session:
        released = await ledger_service.expire_holds(session, now=books.now + timedelta(hours=1))
    assert released == 1
    assert await books.balance(wallet) == (10_000, 9_000, 1_000)
    async with books.db.transaction(readonly=True) as session:
        assert (await ledger_service.get_hold(session, hold_id=keep)).status == "open"


async def test_frozen_account_cannot_move_but_holds_can_be_released(books):
    wallet = await books.wallet(1, funded_minor=10_000)
    hold_id = await _hold(books, wallet, 1_000, "w1")
    async with books.db.transaction() as session:
        await ledger_service.freeze_account(session, account_id=wallet, reason="court order",
                                            actor_id=None, now=books.now)
    with pytest.raises(AccountFrozen):
        await books.deposit(wallet, 1, source_id="d-frozen")
    with pytest.raises(AccountFrozen):
        await _hold(books, wallet, 1, "w2")
    async with books.db.transaction() as session:
        await ledger_service.void_hold(session, hold_id=hold_id, now=books.now)
        await ledger_service.unfreeze_account(session, account_id=wallet, reason="lifted",
                                              actor_id=None, now=books.now)
    await books.deposit(wallet, 1, source_id="d-open")
    assert await books.balance(wallet) == (10_001, 10_001, 0)


async def test_judicial_amount_freeze_and_release(books):
    wallet = await books.wallet(1, funded_minor=10_000)
    async with books.db.transaction() as session:
        hold_id = await ledger_service.freeze_amount(
            session, account_id=wallet, amount=Money(2_500), reason="court order 2026-17",
            request_key="k1", actor_id=None, now=books.now)
    assert await books.balance(wallet) == (10_000, 7_500, 2_500)
    async with books.db.transaction() as session:
        await ledger_service.unfreeze_amount(session, account_id=wallet, hold_id=hold_id,
                                             reason="order lifted", actor_id=None, now=books.now)
    assert await books.balance(wallet) == (10_000, 10_000, 0)


async def test_close_only_at_zero(books):
    wallet = await books.wallet(1, funded_minor=100)
    with pytest.raises(AccountNotEmpty):
        async with books.db.transaction() as session:
            await ledger_service.close_account(session, account_id=wallet, reason="user left",
                                               actor_id=None, now=books.now)
    async with books.db.transaction() as session:
        await ledger_service.transfer(session, source_type="t", source_id="out", code="withdraw",
                                      debit_account_id=wallet, credit_account_id=books.custody_cash,
                                      amount=Money(100), now=books.now)
        closed = await ledger_service.close_account(session, account_id=wallet, reason="user left",
                                                    actor_id=None, now=books.now)
    assert closed.status == "closed"
