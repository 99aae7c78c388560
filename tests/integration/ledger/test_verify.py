"""``verify_ledger`` is the oracle of every database test: it must see tampering."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from finplat.ledger import verify
from finplat.ledger.models import LedgerAccount


async def _report(db):
    async with db.transaction(readonly=True) as session:
        return await verify.verify_ledger(session)


async def _tamper(db, statement):
    async with db.transaction() as session:
        if db.dialect == "postgresql":
            # Bypass the immutability triggers the way only a superuser with intent could.
            await session.execute(text("SET LOCAL session_replication_role = replica"))
        await session.execute(statement)


async def test_clean_books_verify(books):
    wallet = await books.wallet(1, funded_minor=1_000)
    report = await _report(books.db)
    assert report.ok and report.entries == 1 and report.accounts >= 6
    assert report.as_json()["problems"] == []
    assert wallet


async def test_tampered_cached_balance_is_caught(books):
    wallet = await books.wallet(1, funded_minor=1_000)
    await _tamper(books.db, update(LedgerAccount).where(LedgerAccount.id == wallet)
                  .values(credits_posted=LedgerAccount.credits_posted + 1))
    report = await _report(books.db)
    assert not report.ok
    assert any(f"account {wallet} cached totals" in problem for problem in report.problems)
    await _tamper(books.db, update(LedgerAccount).where(LedgerAccount.id == wallet)
                  .values(credits_posted=LedgerAccount.credits_posted - 1))
    assert (await _report(books.db)).ok


async def test_tampered_posting_is_caught(books):
    wallet = await books.wallet(1, funded_minor=1_000)
    await _tamper(books.db, text("UPDATE ledger_posting SET amount_minor = amount_minor + 5 "
                                 "WHERE account_id = :wallet").bindparams(wallet=wallet))
    report = await _report(books.db)
    assert not report.ok
    joined = " | ".join(report.problems)
    assert "is unbalanced by" in joined and f"account {wallet} cached totals" in joined
    await _tamper(books.db, text("UPDATE ledger_posting SET amount_minor = amount_minor - 5 "
                                 "WHERE account_id = :wallet").bindparams(wallet=wallet))
    assert (await _report(books.db)).ok


async def test_database_refuses_an_unbalanced_entry_at_commit(books):
    if books.db.dialect != "postgresql":
        pytest.skip("the deferred balance trigger is PostgreSQL's")
    wallet = await books.wallet(1)
    entry = await books.deposit(wallet, 100, source_id="d")
    with pytest.raises(DBAPIError, match="unbalanced"):
        async with books.db.transaction() as session:
            await session.execute(text(
                "INSERT INTO ledger_posting (entry_id, account_id, direction, amount_minor, "
                "pending, created_at) VALUES (:entry, :wallet, 'credit', 1, false, now())"
            ).bindparams(entry=entry, wallet=wallet))
    assert (await _report(books.db)).ok


async def test_each_entry_is_checked_once_but_never_skipped(books):
    # The balance trigger skips a posting whose entry the previous check of the transaction
    # proved balanced; postings of another entry in between make it check again.
    if books.db.dialect != "postgresql":
        pytest.skip("the deferred balance trigger is PostgreSQL's")
    wallet = await books.wallet(1)
    first = await books.deposit(wallet, 100, source_id="a")
    second = await books.deposit(wallet, 100, source_id="b")
    insert = text("INSERT INTO ledger_posting (entry_id, account_id, direction, amount_minor, "
                  "pending, created_at) VALUES (:entry, :account, :direction, 1, false, now())")
    with pytest.raises(DBAPIError, match="unbalanced"):
        async with books.db.transaction() as session:
            for entry, direction in ((first, "credit"), (second, "credit"), (second, "debit"),
                                     (first, "credit")):
                await session.execute(insert.bindparams(entry=entry, account=wallet,
                                                        direction=direction))
    async with books.db.transaction() as session:
        # Balanced additions to two entries, interleaved: accepted.
        for entry, direction in ((first, "credit"), (second, "credit"), (second, "debit"),
                                 (first, "debit")):
            await session.execute(insert.bindparams(entry=entry, account=books.custody_cash,
                                                    direction=direction))


async def test_database_refuses_an_overdraft_even_past_the_code(books):
    wallet = await books.wallet(1, funded_minor=100)
    with pytest.raises(DBAPIError):
        async with books.db.transaction() as session:
            await session.execute(update(LedgerAccount).where(LedgerAccount.id == wallet)
                                  .values(debits_posted=101))
    assert await books.balance(wallet) == (100, 100, 0)
