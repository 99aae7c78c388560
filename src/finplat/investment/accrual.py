"""Daily accrual (ACT/365, simple interest) per holding, idempotent per business date.

Rounding: a holding's accrued yield after n days is the exact principal x rate x n / 365 rounded
down to whole fen; each run records only the difference from what was recorded before. The
sum of a holding's daily rows is therefore always that rounded-down exact amount (no drift),
and the platform-wide total is by construction the sum of the per-holding amounts.

A chunk is set-based: one locked read of its holdings, one multi-row INSERT of their accrual
rows and one UPDATE of the holdings from those rows, whatever the chunk's size. The UPDATE is
guarded on the days each row starts from, and the accrual row is unique per holding and
business date, so nothing is accrued twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.investment import domain
from finplat.investment.models import HOLDING_PAID, Accrual, Holding
from finplat.investment.policy import get_policy
from finplat.product import service as product_service

HOLDING = cast(Table, Holding.__table__)
ACCRUAL = cast(Table, Accrual.__table__)
# What accruing (and paying) a holding reads of it.
HOLDING_COLUMNS = tuple(
    HOLDING.c[name]
    for name in (
        "id",
        "order_id",
        "user_id",
        "product_id",
        "principal_minor",
        "currency",
        "annual_rate",
        "rate_boost_bps",
        "value_date",
        "term_days",
        "accrued_days",
        "accrued_minor",
        "status",
    )
)


def accrue_holding(holding: Any, *, through_date: date) -> tuple[int, int, int] | None:
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


def _from_accrual(column: Any, business_date: date) -> Any:
    a = ACCRUAL.c
    return (
        select(column)
        .where(a.holding_id == HOLDING.c.id, a.business_date == business_date)
        .scalar_subquery()
    )


async def apply_accruals(
    session: AsyncSession,
    *,
    holdings: Sequence[Any],
    business_date: date,
    through_date: date,
    now: datetime,
) -> dict[int, tuple[int, int]]:
    """Record what each of ``holdings`` (rows locked by the caller) earned up to
    ``through_date``, in two statements; returns holding id -> (accrued days, accrued fen) after,
    for the holdings that earned something."""
    rows = []
    after: dict[int, tuple[int, int]] = {}
    for holding in holdings:
        owed = accrue_holding(holding, through_date=through_date)
        if owed is None:
            continue
        days_before, days_after, amount = owed
        rows.append(
            {
                "holding_id": holding.id,
                "product_id": holding.product_id,
                "business_date": business_date,
                "days_before": days_before,
                "days_after": days_after,
                "amount_minor": amount,
                "created_at": now,
            }
        )
        after[holding.id] = (days_after, holding.accrued_minor + amount)
    if not rows:
        return after
    await session.execute(insert(ACCRUAL), rows)
    h, a = HOLDING.c, ACCRUAL.c
    result = await session.execute(
        update(HOLDING)
        .where(
            h.id.in_(sorted(after)), h.accrued_days == _from_accrual(a.days_before, business_date)
        )
        .values(
            accrued_days=_from_accrual(a.days_after, business_date),
            accrued_minor=h.accrued_minor + _from_accrual(a.amount_minor, business_date),
            updated_at=now,
        )
    )
    changed = cast(CursorResult[Any], result).rowcount
    assert changed == len(after), "the holdings of a chunk are locked by it"
    return after


async def accrue_chunk(
    session: AsyncSession, *, business_date: date, now: datetime, after_id: int, limit: int
) -> tuple[int, int | None]:
    """Accrue up to ``limit`` holdings with ids above ``after_id``.

    Returns ``(holdings looked at, last id)``; last id is None when there were none. Running it
    again for the same date finds nothing owed, so a repeated or resumed run changes nothing.
    """
    h = HOLDING.c
    rows = list(
        (
            await session.execute(
                select(*HOLDING_COLUMNS)
                .where(
                    h.id > after_id,
                    h.status != HOLDING_PAID,
                    h.accrued_days < h.term_days,
                    h.value_date <= business_date,
                )
                .order_by(h.id)
                .limit(limit)
                .with_for_update()
            )
        ).all()
    )
    await apply_accruals(
        session, holdings=rows, business_date=business_date, through_date=business_date, now=now
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
        ids = await product_service.startable_ids(session, business_date=business_date, limit=limit)
        for product_id in ids:
            product = await product_service.lock(session, product_id=product_id)
            await product_service.start_term(session, product=product, now=now)
        return len(ids)

    return await db.run(work)
