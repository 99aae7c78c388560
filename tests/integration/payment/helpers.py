"""Small HTTP helpers shared by the funds tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from finplat.core.db import Database
from finplat.ledger import service as ledger_service


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def deposit(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    amount_minor: int,
    channel: str = "bank",
    idempotency_key: str | None = None,
) -> httpx.Response:
    return await client.post(
        "/api/v1/me/deposits",
        json={"amount_minor": amount_minor, "channel": channel},
        headers={**headers, "Idempotency-Key": idempotency_key or uuid.uuid4().hex},
    )


async def withdraw(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    amount_minor: int,
    idempotency_key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        "/api/v1/me/withdrawals",
        json={"amount_minor": amount_minor, **extra},
        headers={**headers, "Idempotency-Key": idempotency_key or uuid.uuid4().hex},
    )


async def wallet(db: Database, user_id: int) -> dict[str, int]:
    async with db.transaction(readonly=True) as session:
        account_id = await ledger_service.wallet_of(session, user_id)
        assert account_id is not None
        return (await ledger_service.balance(session, account_id=account_id)).as_json()
