"""The institution's settlement account: where raised money arrives and maturity payouts come
from. An institution user funds it from (or takes money back to) their own wallet."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import idempotency
from finplat.core.db import Database
from finplat.core.errors import Forbidden
from finplat.core.money import CNY, Money
from finplat.events import service as events_service
from finplat.investment import payout, settlement
from finplat.investment.events import SettlementFunded, SettlementWithdrawn
from finplat.ledger import service as ledger_service
from finplat.product import service as product_service

FUNDING_SOURCE = "institution_funding"
FUNDING_CODE = "settlement_funding"
WITHDRAWAL_SOURCE = "settlement_withdrawal"
WITHDRAWAL_CODE = "settlement_withdrawal"


async def settlement_view(db: Database, *, institution_id: int, now: datetime) -> dict[str, Any]:
    """Balance of the settlement account and what products now due or waiting need from it
    (the account is opened on first use, hence a write transaction)."""
    return await db.run(lambda session: _settlement_view(session, institution_id, now))


async def _settlement_view(
    session: AsyncSession, institution_id: int, now: datetime
) -> dict[str, Any]:
    account_id = await settlement.settlement_account(
        session, institution_id=institution_id, now=now
    )
    balance = await ledger_service.balance(session, account_id=account_id)
    waiting = await product_service.payable_ids_of_institution(
        session, institution_id=institution_id, limit=100
    )
    owed = [
        {"product_id": pid, "required_minor": await payout.required_minor(session, product_id=pid)}
        for pid in waiting
    ]
    return {
        **balance.as_json(),
        "account_id": account_id,
        "upcoming_payouts": owed,
        "required_minor": sum(item["required_minor"] for item in owed),
    }


async def fund(
    db: Database,
    *,
    user_id: int,
    institution_id: int,
    amount_minor: int,
    idempotency_key: str,
    now: datetime,
) -> idempotency.Outcome:
    """Move money from the institution user's wallet to the institution's settlement account.

    Raises ``Conflict('ledger.insufficient_funds')``, ``Forbidden('investment.wallet_required')``,
    ``Conflict('idempotency.key_reused')``.
    """
    return await _move(
        db, user_id=user_id, institution_id=institution_id, amount_minor=amount_minor,
        idempotency_key=idempotency_key, now=now, into_settlement=True,
    )


async def withdraw(
    db: Database,
    *,
    user_id: int,
    institution_id: int,
    amount_minor: int,
    idempotency_key: str,
    now: datetime,
) -> idempotency.Outcome:
    """Move money back from the settlement account to the institution user's wallet (the
    institution uses what it raised; it must fund the account again before maturity).

    Raises ``Conflict('ledger.insufficient_funds')`` (the settlement account cannot go below
    zero), ``Forbidden``, ``Conflict``.
    """
    return await _move(
        db, user_id=user_id, institution_id=institution_id, amount_minor=amount_minor,
        idempotency_key=idempotency_key, now=now, into_settlement=False,
    )


async def _move(
    db: Database,
    *,
    user_id: int,
    institution_id: int,
    amount_minor: int,
    idempotency_key: str,
    now: datetime,
    into_settlement: bool,
) -> idempotency.Outcome:
    """One idempotent transfer between the institution user's wallet and its settlement account."""
    source_type, code, scope = (
        (FUNDING_SOURCE, FUNDING_CODE, "settlement_funding")
        if into_settlement
        else (WITHDRAWAL_SOURCE, WITHDRAWAL_CODE, "settlement_withdrawal")
    )

    async def work(session: AsyncSession) -> idempotency.Outcome:
        wallet_id = await _wallet(session, user_id)
        account_id = await settlement.settlement_account(
            session, institution_id=institution_id, now=now
        )
        debit_id, credit_id = (
            (wallet_id, account_id) if into_settlement else (account_id, wallet_id)
        )
        entry_id = await ledger_service.transfer(
            session,
            source_type=source_type,
            source_id=_source_id(user_id, idempotency_key),
            code=code,
            now=now,
            debit_account_id=debit_id,
            credit_account_id=credit_id,
            amount=Money(amount_minor, CNY),
            reference=settlement.settlement_reference(institution_id),
        )
        return idempotency.Outcome(
            201,
            await _recorded(
                session,
                into_settlement=into_settlement,
                user_id=user_id,
                institution_id=institution_id,
                account_id=account_id,
                amount_minor=amount_minor,
                entry_id=entry_id,
                now=now,
            ),
        )

    return await idempotency.execute(
        db,
        scope=f"investment.{scope}:{user_id}",
        key=idempotency_key,
        payload={"amount_minor": amount_minor},
        work=work,
        now=now,
    )


def _source_id(user_id: int, key: str) -> str:
    # The ledger's source ids are at most 64 characters; the key alone may be 64.
    return f"{user_id}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


async def _wallet(session: AsyncSession, user_id: int) -> int:
    wallet_id = await ledger_service.wallet_of(session, user_id)
    if wallet_id is None:
        raise Forbidden("investment.wallet_required", "verify your identity to open a wallet")
    return wallet_id


async def _recorded(
    session: AsyncSession,
    *,
    into_settlement: bool,
    user_id: int,
    institution_id: int,
    account_id: int,
    amount_minor: int,
    entry_id: int,
    now: datetime,
) -> dict[str, Any]:
    event_class = SettlementFunded if into_settlement else SettlementWithdrawn
    await events_service.record(
        session,
        event_class(institution_id=institution_id, user_id=user_id, entry_id=entry_id,
                    amount_minor=amount_minor, currency=CNY),
        target_type="institution", target_id=institution_id, now=now, actor_id=user_id,
    )
    balance = await ledger_service.balance(session, account_id=account_id)
    return {
        "entry_id": entry_id,
        "amount_minor": amount_minor,
        "currency": CNY,
        "settlement": balance.as_json(),
    }
