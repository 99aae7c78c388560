from __future__ import annotations

import pytest

from finplat.core.errors import InvalidInput
from finplat.core.money import Money
from finplat.ledger import service as ledger_service
from finplat.ledger.exceptions import (
    AlreadyReversed,
    DuplicateSource,
    InsufficientFunds,
    InvalidPostings,
    NotReversible,
    Unbalanced,
)


async def test_deposit_credits_the_wallet_and_statement_shows_it(books):
    wallet = await books.wallet(1)
    await books.deposit(wallet, 100_000, source_id="d1")
    await books.deposit(wallet, 2_550, source_id="d2")
    assert await books.balance(wallet) == (102_550, 102_550, 0)
    assert (await books.balance(books.custody_cash))[0] == 102_550
    async with books.db.transaction(readonly=True) as session:
        page = await ledger_service.statement(session, account_id=wallet, limit=1)
        assert [line.as_json()["balance_after_minor"] for line in page.items] == [102_550]
        assert page.items[0].direction == "in" and page.items[0].code == "deposit"
        rest = await ledger_service.statement(session, account_id=wallet, cursor=page.next_cursor)
        assert [line.balance_after_minor for line in rest.items] == [100_000]
        assert rest.next_cursor is None


async def test_overdraft_is_refused_and_changes_nothing(books):
    wallet = await books.wallet(1, funded_minor=5_000)
    with pytest.raises(InsufficientFunds) as refused:
        async with books.db.transaction() as session:
            await ledger_service.transfer(
                session, source_type="test_withdrawal", source_id="w1", code="withdraw",
                debit_account_id=wallet, credit_account_id=books.custody_cash,
                amount=Money(5_001), now=books.now)
    assert refused.value.code == "ledger.insufficient_funds" and refused.value.status == 409
    assert await books.balance(wallet) == (5_000, 5_000, 0)


async def test_multi_leg_entry_with_fee(books):
    wallet = await books.wallet(1, funded_minor=10_000)
    async with books.db.transaction() as session:
        await ledger_service.transfer(
            session, source_type="test_withdrawal", source_id="w1", code="withdraw", now=books.now,
            postings=[ledger_service.debit(wallet, Money(10_000)),
                      ledger_service.credit(books.custody_cash, Money(9_800)),
                      ledger_service.credit(books.fee_revenue, Money(200))])
    assert await books.balance(wallet) == (0, 0, 0)
    assert (await books.balance(books.fee_revenue))[0] == 200


async def test_bad_entries_are_refused(books):
    wallet = await books.wallet(1, funded_minor=1_000)
    cases = [
        ([ledger_service.debit(wallet, Money(100)),
          ledger_service.credit(books.fee_revenue, Money(99))], Unbalanced),
        ([ledger_service.debit(wallet, Money(100))], InvalidPostings),
        ([ledger_service.debit(wallet, Money(0)),
          ledger_service.credit(books.fee_revenue, Money(0))], InvalidPostings),
        ([ledger_service.debit(wallet, Money(100)),
          ledger_service.credit(books.fee_revenue, Money(100, "USD"))], InvalidPostings),
    ]
    for index, (legs, error) in enumerate(cases):
        with pytest.raises(error):
            async with books.db.transaction() as session:
                await ledger_service.transfer(session, source_type="t", source_id=str(index),
                                              code="fee", postings=legs, now=books.now)
    with pytest.raises(InvalidInput):
        async with books.db.transaction() as session:
            await ledger_service.transfer(session, source_type="t", source_id="x", code="fee",
                                          debit_account_id=wallet, credit_account_id=wallet,
                                          amount=Money(1), now=books.now)
    assert await books.balance(wallet) == (1_000, 1_000, 0)


async def test_the_same_source_is_booked_once(books):
    wallet = await books.wallet(1)
    await books.deposit(wallet, 100, source_id="same")
    with pytest.raises(DuplicateSource):
        await books.deposit(wallet, 100, source_id="same")
    assert await books.balance(wallet) == (100, 100, 0)


async def test_reversal_corrects_an_entry_once(books):
    wallet = await books.wallet(1)
    entry = await books.deposit(wallet, 700, source_id="d")
    async with books.db.transaction() as session:
        await ledger_service.reverse(session, entry_id=entry, reason="booked twice", now=books.now)
    assert await books.balance(wallet) == (0, 0, 0)
    with pytest.raises(AlreadyReversed):
        async with books.db.transaction() as session:
            await ledger_service.reverse(session, entry_id=entry, reason="again", now=books.now)


async def test_spent_money_cannot_be_reversed_away(books):
    wallet = await books.wallet(1)
    entry = await books.deposit(wallet, 700, source_id="d")
    async with books.db.transaction() as session:
        await ledger_service.transfer(session, source_type="t", source_id="spend", code="withdraw",
                                      debit_account_id=wallet, credit_account_id=books.custody_cash,
                                      amount=Money(500), now=books.now)
    with pytest.raises(InsufficientFunds):
        async with books.db.transaction() as session:
            await ledger_service.reverse(session, entry_id=entry, reason="fraud", now=books.now)


async def test_a_reversal_is_not_reversible(books):
    wallet = await books.wallet(1)
    entry = await books.deposit(wallet, 700, source_id="d")
    async with books.db.transaction() as session:
        reversal = await ledger_service.reverse(session, entry_id=entry, reason="x", now=books.now)
    with pytest.raises(NotReversible):
        async with books.db.transaction() as session:
            await ledger_service.reverse(session, entry_id=reversal, reason="y", now=books.now)
