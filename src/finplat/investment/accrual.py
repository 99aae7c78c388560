"""Daily accrual (ACT/365, simple interest) per holding, idempotent per business date.

Rounding: a holding's accrued yield after n days is the exact principal x rate x n / 365 rounded
down to whole fen; each run records only the difference from what was recorded before. The
sum of a holding's daily rows is therefore always that rounded-down exact amount (no drift),
and the platform-wide total is by construction the sum of the per-holding amounts.

A chunk is set-based: one locked read of its holdings' ids (with their value dates and rates),
one ``INSERT ... SELECT`` computing their accrual rows in the database with the same integer
rounding (``domain.accrued_minor_scaled``, one definition for Python and SQL), and one UPDATE of
the holdings from those rows, whatever the chunk's size. The UPDATE is guarded on the days each
row starts from, and the accrual row is unique per holding and business date, so nothing is
accrued twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import BigInteger, Date, Integer, Table, and_, case, insert, literal, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.statements import int_div
from finplat.investment import domain
from finplat.investment.models import HOLDING_PAID, Accrual, Holding
from finplat.investment.policy import get_policy
from finplat.product import service as product_service

HOLDING = cast(Table, Holding.__table__)
ACCRUAL = cast(Table, Accrual.__table__)


def _from_accrual(column: Any, business_date: date) -> Any:
    a = ACCRUAL.c
    return (
        select(column)
        .where(a.holding_id == HOLDING.c.id, a.business_date == literal(business_date, Date))
        .scalar_subquery()
    )


def _accrued_minor(days: Any, rate: Any) -> Any:
    return domain.accrued_minor_scaled(HOLDING.c.principal_minor, rate, days, int_div)


def _owed(value_dates: Iterable[date], rates: Iterable[str], through_date: date) -> tuple[Any, Any]:
    """SQL for a holding's accrued days up to ``through_date`` and the fen they add, given the
    value dates and rates its rows may have (each becomes a bind parameter of a CASE, so the
    dates and rates are worked out here, once, not per row)."""
    h = HOLDING.c
    elapsed = case(
        {day: literal((through_date - day).days + 1, Integer) for day in sorted(set(value_dates))},
        value=h.value_date,
    )
    target = case((elapsed > h.term_days, h.term_days), else_=elapsed)
    rate = case(
        {text: literal(domain.rate_millionths(text), BigInteger) for text in sorted(set(rates))},
        value=h.annual_rate,
    )
    return target, _accrued_minor(target, rate) - _accrued_minor(h.accrued_days, rate)


async def accrue_where(
    session: AsyncSession,
    *,
    where: Any,
    value_dates: Iterable[date],
    rates: Iterable[str],
    business_date: date,
    through_date: date,
    now: datetime,
) -> int:
    """Record what each holding matching ``where`` (rows locked by the caller, whose value dates
    and rates are among those given) earned up to ``through_date``; returns how many earned
    something. Two statements whatever their number: the accrual rows computed from the
    holdings in the database (``INSERT ... SELECT``), then the holdings moved on by exactly those
    rows (computed again from the same locked rows), guarded on the days each row starts from."""
    h = HOLDING.c
    target, amount = _owed(value_dates, rates, through_date)
    rows = select(
        h.id,
        h.product_id,
        literal(business_date, Date),
        h.accrued_days,
        target,
        amount,
        literal(now, ACCRUAL.c.created_at.type),
    ).where(where, target > h.accrued_days)
    columns = [
        "holding_id",
        "product_id",
        "business_date",
        "days_before",
        "days_after",
        "amount_minor",
        "created_at",
    ]
    inserted = rowcount(await session.execute(insert(ACCRUAL).from_select(columns, rows)))
    if not inserted:
        return 0
    # The holdings move on by the same expressions, guarded on the rows just written (one
    # index look-up each). Assignments in this order: MariaDB evaluates them left to right on
    # the updated row, and the amount reads the days before.
    changed = rowcount(
        await session.execute(
            update(HOLDING)
            .where(where, h.accrued_days == _from_accrual(ACCRUAL.c.days_before, business_date))
            .ordered_values(
                (h.accrued_minor, h.accrued_minor + amount),
                (h.accrued_days, target),
                (h.updated_at, now),
            )
        )
    )
    assert changed == inserted, "the holdings are locked by the caller"
    return inserted


def rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


async def accrue_chunk(
    session: AsyncSession, *, business_date: date, now: datetime, after_id: int, limit: int
) -> tuple[int, int | None]:
    """Accrue up to ``limit`` holdings with ids above ``after_id``.

    Returns ``(holdings looked at, last id)``; last id is None when there were none. Running it
    again for the same date finds nothing owed, so a repeated or resumed run changes nothing.
    """
    h = HOLDING.c
    due = and_(
        h.status != HOLDING_PAID,
        h.accrued_days < h.term_days,
        h.value_date <= literal(business_date, Date),
    )
    rows = (
        await session.execute(
            select(h.id, h.value_date, h.annual_rate)
            .where(h.id > after_id, due)
            .order_by(h.id)
            .limit(limit)
            .with_for_update()
        )
    ).all()
    if not rows:
        return 0, None
    last = rows[-1][0]
    await accrue_where(
        session,
        where=and_(h.id > after_id, h.id <= last, due),
        value_dates={row[1] for row in rows},
        rates={row[2] for row in rows},
        business_date=business_date,
        through_date=business_date,
        now=now,
    )
    return len(rows), last


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
