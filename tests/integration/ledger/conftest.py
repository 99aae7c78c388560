"""Fixtures for ledger tests: the platform books, funded customer wallets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from finplat.core.db import Database
from finplat.core.money import Money
from finplat.ledger import service as ledger_service


@dataclass
class Books:
    db: Database
    now: datetime
    custody_cash: int
    fee_revenue: int
    suspense: int

    async def wallet(self, user_id: int, *, funded_minor: int = 0) -> int:
        async with self.db.transaction() as session:
            wallet = await ledger_service.open_customer_wallet(session, user_id=user_id,
                                                               now=self.now)
        if funded_minor:
            await self.deposit(wallet, funded_minor, source_id=f"fund-{user_id}")
        return wallet

    async def deposit(self, wallet: int, amount_minor: int, *, source_id: str) -> int:
        async with self.db.transaction() as session:
            return await ledger_service.transfer(
                session, source_type="test_deposit", source_id=source_id, code="deposit",
                debit_account_id=self.custody_cash, credit_account_id=wallet,
                amount=Money(amount_minor), now=self.now)

    async def balance(self, account_id: int) -> tuple[int, int, int]:
        async with self.db.transaction(readonly=True) as session:
            found = await ledger_service.balance(session, account_id=account_id)
        return (found.balance.amount_minor, found.available.amount_minor,
                found.frozen.amount_minor)


@pytest.fixture
async def books(db: Database, clock) -> Books:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        ids = await ledger_service.ensure_platform_accounts(session, now=clock.now())
    return Books(db=db, now=clock.now(), custody_cash=ids["custody_cash"],
                 fee_revenue=ids["fee_revenue"], suspense=ids["suspense"])
