"""Many one-to-many entries whose credits a SELECT gives (``finplat.ledger.distribute``): the
books as one posting per credit, balances and versions after each posting (also for an account
credited by several entries of one write), an account both paying and paid, refusals as a
whole."""

from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, String, literal, select, union_all

from finplat.ledger import service as ledger_service
from finplat.ledger.exceptions import AccountFrozen, InsufficientFunds, InvalidPostings


def _credits(rows: list[tuple[str, int, int]]):  # type: ignore[no-untyped-def]
    """A SELECT of ``(source_id, key, account_id, amount_minor)``, keys in the given order."""
    found = union_all(*[
        select(literal(source, String).label("source_id"), literal(n, BigInteger).label("key"),
               literal(account, BigInteger).label("account_id"),
               literal(amount, BigInteger).label("amount_minor"))
        for n, (source, account, amount) in enumerate(rows, start=1)]).subquery()
    return select(found.c.source_id, found.c.key, found.c.account_id, found.c.amount_minor)


async def _pay(books, payments, rows):  # type: ignore[no-untyped-def]
    async with books.db.transaction() as session:
        return await ledger_service.pay_many(
            session, source_type="t_repay", code="repay", currency="CNY", now=books.now,
            payments=[ledger_service.Payment(source, account, amount)
                      for source, account, amount in payments], credits=_credits(rows))


async def _lines(books, account: int) -> list[int]:  # type: ignore[no-untyped-def]
    async with books.db.transaction(readonly=True) as session:
        page = await ledger_service.statement(session, account_id=account, limit=20)
    return sorted(line.balance_after_minor for line in page.items)


async def test_many_entries_each_paying_many(books) -> None:  # type: ignore[no-untyped-def]
    payers = [await books.wallet(user_id, funded_minor=1_000) for user_id in (1, 2)]
    payees = [await books.wallet(user_id) for user_id in (3, 4)]
    ids = await _pay(books, [("a", payers[0], 300), ("b", payers[1], 500)], [
        ("a", payees[0], 100), ("a", payees[1], 150), ("a", books.fee_revenue, 50),
        ("b", payees[0], 400), ("b", books.fee_revenue, 100)])
    assert len(ids) == 2 and ids[0] != ids[1]
    assert [(await books.balance(w))[0] for w in payers] == [700, 500]
    assert [(await books.balance(w))[0] for w in payees] == [500, 150]
    # Credited by both entries: each posting its own balance after, in entry order.
    assert await _lines(books, payees[0]) == [100, 500]
    async with books.db.transaction() as session:
        twice = await ledger_service.get_account(session, account_id=payees[0])
        once = await ledger_service.get_account(session, account_id=payees[1])
    assert twice.version == once.version + 1


async def test_an_account_paying_and_paid_in_one_write(books) -> None:  # type: ignore[no-untyped-def]
    first, second = [await books.wallet(u, funded_minor=1_000) for u in (5, 6)]
    await _pay(books, [("a", first, 200), ("b", second, 300)],
               [("a", second, 200), ("b", first, 300)])
    assert [(await books.balance(w))[0] for w in (first, second)] == [1_100, 900]


async def test_credits_not_adding_up_to_the_debit_are_refused(books) -> None:  # type: ignore[no-untyped-def]
    payer = await books.wallet(7, funded_minor=1_000)
    payee = await books.wallet(8)
    with pytest.raises(InvalidPostings):
        await _pay(books, [("a", payer, 300)], [("a", payee, 299)])
    with pytest.raises(InvalidPostings):
        await _pay(books, [("a", payer, 300), ("b", payer, 1)], [("a", payee, 300)])
    assert (await books.balance(payer))[0] == 1_000


async def test_refused_as_a_whole(books) -> None:  # type: ignore[no-untyped-def]
    payer = await books.wallet(9, funded_minor=100)
    payee, frozen = await books.wallet(10), await books.wallet(11)
    with pytest.raises(InsufficientFunds):
        await _pay(books, [("a", payer, 60), ("b", payer, 60)],
                   [("a", payee, 60), ("b", payee, 60)])
    async with books.db.transaction() as session:
        await ledger_service.freeze_account(session, account_id=frozen, reason="court order",
                                            actor_id=None, now=books.now)
    with pytest.raises(AccountFrozen) as refused:
        await _pay(books, [("a", payer, 30)], [("a", payee, 10), ("a", frozen, 20)])
    assert refused.value.extra["account_id"] == frozen
    assert (await books.balance(payer))[0] == 100 and (await books.balance(payee))[0] == 0
