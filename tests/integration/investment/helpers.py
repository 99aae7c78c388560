"""Helpers for investment tests: funded investors at a chosen risk level, products, orders."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.money import Money
from finplat.investment import questionnaire, suitability
from finplat.ledger import service as ledger_service
from tests import factories

_deposits = itertools.count(1)
TARGET_SCORES = {"C1": 8, "C2": 28, "C3": 45, "C4": 68, "C5": 95}


def answers_for(level: str) -> dict[str, str]:
    """Answers to the current questionnaire that grade exactly into ``level``."""
    q = questionnaire.current()
    target = TARGET_SCORES[level]
    answers: dict[str, str] = {}
    for index, question in enumerate(q.questions):
        later_minimum = sum(
            min(o.score for o in later.options) for later in q.questions[index + 1 :]
        )
        allowed = [o for o in question.options if not o.forces_lowest or level == "C1"]
        fits = [o for o in allowed if o.score <= target - later_minimum] or [
            min(allowed, key=lambda o: o.score)
        ]
        chosen = max(fits, key=lambda o: o.score)
        answers[question.id] = chosen.id
        target -= chosen.score
    return answers


async def deposit(db: Database, *, user_id: int, amount_minor: int, now: datetime) -> None:
    """Money arriving in a wallet from the custody bank (what a succeeded deposit books)."""

    async def work(session: AsyncSession) -> None:
        wallet = await ledger_service.wallet_of(session, user_id)
        assert wallet is not None
        cash = await ledger_service.platform_account(session, kind="custody_cash", now=now)
        await ledger_service.transfer(
            session,
            source_type="test_deposit",
            source_id=str(next(_deposits)),
            code="deposit",
            now=now,
            debit_account_id=cash,
            credit_account_id=wallet,
            amount=Money(amount_minor),
        )

    await db.run(work)


async def investor(
    db: Database, *, now: datetime, level: str | None = "C3", balance_minor: int = 10_000_000
) -> int:
    """A verified investor with a funded wallet and (unless None) a valid assessment."""
    user_id = await factories.make_user(db, now=now)
    if balance_minor:
        await deposit(db, user_id=user_id, amount_minor=balance_minor, now=now)
    if level is not None:
        await suitability.assess(
            db,
            user_id=user_id,
            version=questionnaire.CURRENT_VERSION,
            answers=answers_for(level),
            now=now,
        )
    return user_id


async def wallet_balance(db: Database, user_id: int) -> dict[str, int]:
    async with db.transaction(readonly=True) as session:
        wallet = await ledger_service.wallet_of(session, user_id)
        assert wallet is not None
        return (await ledger_service.balance(session, account_id=wallet)).as_json()


async def order(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    product: dict[str, Any],
    amount_minor: int,
    *,
    key: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {
        "amount_minor": amount_minor,
        "disclosure_version": product["disclosures"]["risk_disclosure"]["version"]
        if product.get("disclosures")
        else 1,
        **extra,
    }
    return await client.post(
        f"/api/v1/products/{product['id']}/orders",
        json=body,
        headers={**headers, "Idempotency-Key": key or f"k-{next(_deposits)}"},
    )
