from __future__ import annotations

import asyncio

from finplat.ledger import service as ledger_service


async def test_open_customer_wallet_is_idempotent(db, clock):
    async with db.transaction() as session:
        first = await ledger_service.open_customer_wallet(session, user_id=7, now=clock.now())
    async with db.transaction() as session:
        again = await ledger_service.open_customer_wallet(session, user_id=7, now=clock.now())
        assert await ledger_service.wallet_of(session, 7) == first
        assert await ledger_service.wallet_of(session, 8) is None
    assert again == first


async def test_concurrent_wallet_opening_yields_one_account(db, clock):
    async def open_wallet(session):
        return await ledger_service.open_customer_wallet(session, user_id=9, now=clock.now())

    ids = await asyncio.gather(*(db.run(open_wallet) for _ in range(8)))
    assert len(set(ids)) == 1


async def test_platform_accounts_are_created_once(db, clock):
    async with db.transaction() as session:
        first = await ledger_service.ensure_platform_accounts(session, now=clock.now())
    async with db.transaction() as session:
        second = await ledger_service.ensure_platform_accounts(session, now=clock.now())
    assert first == second
    assert "custody_cash" in first
