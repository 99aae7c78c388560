"""Staff actions on accounts as use cases: one idempotent transaction each, audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import idempotency
from finplat.core.db import Database
from finplat.core.errors import field_error
from finplat.core.idempotency import Outcome
from finplat.core.money import Money
from finplat.core.pagination import Page, PageParams, page_of
from finplat.ledger import queries, service
from finplat.ledger.models import LedgerAccount


async def account_view(session: AsyncSession, found: LedgerAccount) -> dict[str, Any]:
    balance = await queries.balance(session, account_id=found.id)
    return {"id": found.id, "kind": found.kind, "reference": found.reference, "name": found.name,
            "status": found.status, "owner_user_id": found.owner_user_id,
            "tracks_balance": found.tracks_balance, **balance.as_json()}


async def account(db: Database, *, account_id: int) -> dict[str, Any]:
    """One account with its balances, for staff. Raises ``AccountNotFound``."""
    async with db.transaction(readonly=True) as session:
        return await account_view(session, await queries.account(session, account_id=account_id))


async def accounts_page(db: Database, *, page: PageParams, owner_user_id: int | None,
                        kind: str | None) -> Page[dict[str, Any]]:
    """Accounts by owner (a customer's wallet) and/or kind, in id order, with balances.
    Raises ``InvalidInput`` when neither is given."""
    if owner_user_id is None and kind is None:
        raise field_error("owner_user_id", "give owner_user_id or kind")
    async with db.transaction(readonly=True) as session:
        rows = await queries.accounts(session, owner_user_id=owner_user_id, kind=kind,
                                      after_id=page.last_id, limit=page.fetch_limit)
        result = page_of(rows, page)
        result.items = [await account_view(session, row) for row in result.items]
    return result


async def freeze(db: Database, *, account_id: int, amount_minor: int | None, reason: str,
                 actor_id: int, key: str, now: datetime) -> Outcome:
    """Freeze an amount (201, a hold) or the whole account (200). Raises the service's errors."""
    async def work(session: AsyncSession) -> Outcome:
        if amount_minor is None:
            found = await service.freeze_account(session, account_id=account_id, reason=reason,
                                                 actor_id=actor_id, now=now)
            return Outcome(200, await account_view(session, found))
        found = await service.get_account(session, account_id=account_id)
        hold_id = await service.freeze_amount(
            session, account_id=account_id, amount=Money(amount_minor, found.currency),
            reason=reason, request_key=key, actor_id=actor_id, now=now)
        return Outcome(201, {"hold_id": hold_id, "account_id": account_id,
                             "amount_minor": amount_minor, "currency": found.currency,
                             "status": "open"})

    return await idempotency.execute(
        db, scope=f"ledger.freeze:{account_id}", key=key, work=work, now=now,
        payload={"amount_minor": amount_minor, "reason": reason})


async def unfreeze(db: Database, *, account_id: int, hold_id: int | None, reason: str,
                   actor_id: int, key: str, now: datetime) -> Outcome:
    """Release an amount freeze (``hold_id``) or unfreeze the account; 200 with the account."""
    async def work(session: AsyncSession) -> Outcome:
        if hold_id is None:
            found = await service.unfreeze_account(session, account_id=account_id, reason=reason,
                                                   actor_id=actor_id, now=now)
        else:
            await service.unfreeze_amount(session, account_id=account_id, hold_id=hold_id,
                                          reason=reason, actor_id=actor_id, now=now)
            found = await service.get_account(session, account_id=account_id)
        return Outcome(200, await account_view(session, found))

    return await idempotency.execute(
        db, scope=f"ledger.unfreeze:{account_id}", key=key, work=work, now=now,
        payload={"hold_id": hold_id, "reason": reason})


async def close(db: Database, *, account_id: int, reason: str, actor_id: int, key: str,
                now: datetime) -> Outcome:
    async def work(session: AsyncSession) -> Outcome:
        found = await service.close_account(session, account_id=account_id, reason=reason,
                                            actor_id=actor_id, now=now)
        return Outcome(200, await account_view(session, found))

    return await idempotency.execute(db, scope=f"ledger.close:{account_id}", key=key, work=work,
                                     now=now, payload={"reason": reason})
