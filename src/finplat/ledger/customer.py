"""A customer's own view of the books: the wallet's balance and its statement, each one read
transaction (what ``/me/account`` and ``/me/transactions`` serve)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from finplat.core.db import Database
from finplat.core.pagination import Page, PageParams
from finplat.ledger import accounts, queries


async def balance(db: Database, *, user_id: int, currency: str) -> dict[str, Any]:
    """The wallet's balance, available and frozen amounts; zeros for a user without a wallet
    (not yet verified)."""
    async with db.transaction(readonly=True) as session:
        wallet = await accounts.wallet_of(session, user_id)
        if wallet is None:
            return {"balance_minor": 0, "available_minor": 0, "frozen_minor": 0,
                    "currency": currency}
        return (await queries.balance(session, account_id=wallet)).as_json()


async def statement(db: Database, *, user_id: int, page: PageParams, from_at: datetime | None,
                    to_at: datetime | None, codes: Sequence[str] | None) -> Page[Any]:
    """The wallet's postings (``StatementLine``), newest first, in ``[from_at, to_at)``; none for
    a user without a wallet. Raises ``InvalidInput`` (bad cursor)."""
    async with db.transaction(readonly=True) as session:
        wallet = await accounts.wallet_of(session, user_id)
        if wallet is None:
            return Page(items=[], next_cursor=None)
        return await queries.statement(session, account_id=wallet, from_at=from_at, to_at=to_at,
                                       codes=codes, cursor=page.cursor, limit=page.limit)
