"""Read-only questions about payments (for routers, analytics and other packages)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.payment.models import (
    PaymentCallback,
    PaymentDeposit,
    PaymentReconciliationItem,
    PaymentReconciliationReport,
    PaymentWithdrawal,
)


async def deposits_of(
    session: AsyncSession, *, user_id: int, limit: int, before_id: int | None
) -> list[PaymentDeposit]:
    """The user's deposits, newest first, at most ``limit``."""
    query = select(PaymentDeposit).where(PaymentDeposit.user_id == user_id)
    if before_id is not None:
        query = query.where(PaymentDeposit.id < before_id)
    return list(await session.scalars(query.order_by(PaymentDeposit.id.desc()).limit(limit)))


async def withdrawals_of(
    session: AsyncSession, *, user_id: int, limit: int, before_id: int | None
) -> list[PaymentWithdrawal]:
    query = select(PaymentWithdrawal).where(PaymentWithdrawal.user_id == user_id)
    if before_id is not None:
        query = query.where(PaymentWithdrawal.id < before_id)
    return list(await session.scalars(query.order_by(PaymentWithdrawal.id.desc()).limit(limit)))


async def settled_between(
    session: AsyncSession, *, channel: str, start: datetime, end: datetime
) -> tuple[list[PaymentDeposit], list[PaymentWithdrawal]]:
    """Succeeded deposits and withdrawals of ``channel`` completed (by the channel's clock)
    in ``[start, end)``."""
    deposits = await session.scalars(
        select(PaymentDeposit).where(
            PaymentDeposit.channel == channel,
            PaymentDeposit.status == "succeeded",
            PaymentDeposit.channel_completed_at >= start,
            PaymentDeposit.channel_completed_at < end,
        )
    )
    withdrawals = await session.scalars(
        select(PaymentWithdrawal).where(
            PaymentWithdrawal.channel == channel,
            PaymentWithdrawal.status == "succeeded",
            PaymentWithdrawal.channel_completed_at >= start,
            PaymentWithdrawal.channel_completed_at < end,
        )
    )
    return list(deposits), list(withdrawals)


async def daily_totals(
    session: AsyncSession, *, start: datetime, end: datetime, kind: str
) -> list[tuple[datetime, int]]:
    """(completed_at, amount_minor) of succeeded deposits or withdrawals in ``[start, end)``;
    the caller buckets them by business day (dialect-neutral)."""
    model = PaymentDeposit if kind == "deposit" else PaymentWithdrawal
    rows = await session.execute(
        select(model.channel_completed_at, model.amount_minor).where(
            model.status == "succeeded",
            model.channel_completed_at >= start,
            model.channel_completed_at < end,
        )
    )
    return [(row[0], row[1]) for row in rows if row[0] is not None]


async def reports(
    session: AsyncSession,
    *,
    business_date: date | None,
    channel: str | None,
    limit: int,
    before_id: int | None,
) -> list[PaymentReconciliationReport]:
    query = select(PaymentReconciliationReport)
    if business_date is not None:
        query = query.where(PaymentReconciliationReport.business_date == business_date)
    if channel is not None:
        query = query.where(PaymentReconciliationReport.channel == channel)
    if before_id is not None:
        query = query.where(PaymentReconciliationReport.id < before_id)
    return list(
        await session.scalars(query.order_by(PaymentReconciliationReport.id.desc()).limit(limit))
    )


async def report(session: AsyncSession, report_id: int) -> PaymentReconciliationReport | None:
    return await session.get(PaymentReconciliationReport, report_id)


async def report_items(session: AsyncSession, report_id: int) -> list[PaymentReconciliationItem]:
    return list(
        await session.scalars(
            select(PaymentReconciliationItem)
            .where(PaymentReconciliationItem.report_id == report_id)
            .order_by(PaymentReconciliationItem.id)
        )
    )


async def callbacks(
    session: AsyncSession, *, outcome: str | None, limit: int, before_id: int | None
) -> list[PaymentCallback]:
    """Stored channel notifications, newest first (e.g. the anomalies for operations)."""
    query = select(PaymentCallback)
    if outcome is not None:
        query = query.where(PaymentCallback.outcome == outcome)
    if before_id is not None:
        query = query.where(PaymentCallback.id < before_id)
    return list(await session.scalars(query.order_by(PaymentCallback.id.desc()).limit(limit)))
