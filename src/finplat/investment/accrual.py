"""Daily accrual (ACT/365, simple interest) per holding, idempotent per business date.

Rounding: a holding's accrued yield after n days is the exact principal x rate x n / 365 rounded
down to whole fen; each run records only the difference from what was recorded before. The
sum of a holding's daily rows is therefore always that rounded-down exact amount (no drift),
and the platform-wide total is by construction the sum of the per-holding amounts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.investment import domain
from finplat.investment.models import HOLDING_PAID, Accrual, Holding
from finplat.investment.policy import get_policy
from finplat.product import domain as product_domain
from finplat.product import service as product_service
from finplat.product.models import Product


def accrue_holding(holding: Holding, *, through_date: date) -> tuple[int, int, int] | None:
    """``(days_before, days_after, amount_minor)`` owed up to ``through_date``, or None."""
    target = domain.accrued_days(
        value_date=holding.value_date, term_days=holding.term_days, through_date=through_date
    )
    if target <= holding.accrued_days:
        return None
    amount = domain.accrual_increment(
        principal_minor=holding.principal_minor,
        annual_rate=Decimal(holding.annual_rate),
        days_before=holding.accrued_days,
        days_after=target,
    )
    return holding.accrued_days, target, amount


async def apply_accrual(
    session: AsyncSession,
    *,
    holding: Holding,
    business_date: date,
    through_date: date,
    now: datetime,
) -> int:
    """Record what ``holding`` earned up to ``through_date``; returns the fen added."""
    owed = accrue_holding(holding, through_date=through_date)
    if owed is None:
        return 0
    days_before, days_after, amount = owed
    session.add(
        Accrual(
            holding_id=holding.id,
            product_id=holding.product_id,
            business_date=business_date,
            days_before=days_before,
            days_after=days_after,
            amount_minor=amount,
            created_at=now,
        )
    )
    holding.accrued_days, holding.accrued_minor = days_after, holding.accrued_minor + amount
    holding.updated_at = now
    await session.flush()
    return amount


async def accrue_chunk(
    session: AsyncSession, *, business_date: date, now: datetime, after_id: int, limit: int
) -> tuple[int, int | None]:
    """Accrue up to ``limit`` holdings with ids above ``after_id``.

    Returns ``(holdings looked at, last id)``; last id is None when there were none. Running it
    again for the same date finds nothing owed, so a repeated or resumed run changes nothing.
    """
    rows = list(
        await session.scalars(
            select(Holding)
            .where(
                Holding.id > after_id,
                Holding.status != HOLDING_PAID,
                Holding.accrued_days < Holding.term_days,
                Holding.value_date <= business_date,
            )
            .order_by(Holding.id)
            .limit(limit)
            .with_for_update()
        )
    )
    for holding in rows:
        await apply_accrual(
            session,
            holding=holding,
            business_date=business_date,
            through_date=business_date,
            now=now,
        )
    return len(rows), (rows[-1].id if rows else None)


async def accrue_day(
    db: Database,
    *,
    business_date: date,
    now: datetime,
    after_id: int = 0,
    chunk_size: int | None = None,
    progress: Callable[[int], Awaitable[None]] | None = None,
) -> int:
    """Accrue every holding for ``business_date`` in bounded chunks; returns holdings touched.

    ``progress`` is told the last holding id of each chunk (a job saves it to resume there).
    """
    size = chunk_size or get_policy().accrual_chunk_size
    total = 0
    while True:
        count, last = await db.run(
            partial(
                accrue_chunk, business_date=business_date, now=now, after_id=after_id, limit=size
            )
        )
        total += count
        if last is None or count < size:
            return total
        after_id = last
        if progress is not None:
            await progress(after_id)


async def start_running(
    db: Database, *, business_date: date, now: datetime, limit: int = 500
) -> int:
    """Raised products whose value date has come start running; returns how many."""

    async def work(session: AsyncSession) -> int:
        ids = list(
            await session.scalars(
                select(Product.id)
                .where(
                    Product.status == product_domain.RAISED,
                    Product.orders_settled_at.is_not(None),
                    Product.value_date <= business_date,
                )
                .order_by(Product.id)
                .limit(limit)
            )
        )
        for product_id in ids:
            product = await product_service.lock(session, product_id=product_id)
            await product_service.transition(
                session, product=product, action="start", now=now, actor_id=None
            )
        return len(ids)

    return await db.run(work)
