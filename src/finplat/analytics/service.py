"""Operators' fund statistics, read through the owning packages' query modules."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.analytics import funds
from finplat.analytics.schemas import FundDayOut, FundStatsOut
from finplat.core.clock import business_day_start
from finplat.core.db import Database
from finplat.core.errors import field_error
from finplat.ledger import queries as ledger_queries
from finplat.payment import queries as payment_queries

CUSTOMER_WALLET = "customer_wallet"


async def fund_stats(
    session: AsyncSession, *, from_date: date, to_date: date
) -> list[funds.FundDay]:
    """One row per business day of ``[from_date, to_date)``.

    Raises ``InvalidInput`` when the period is empty or longer than ``MAX_RANGE_DAYS``.
    """
    if to_date <= from_date:
        raise field_error("to", "must be after from")
    if (to_date - from_date).days > funds.MAX_RANGE_DAYS:
        raise field_error("to", f"the period may span at most {funds.MAX_RANGE_DAYS} days")
    start, end = business_day_start(from_date), business_day_start(to_date)
    days = funds.days_between(from_date, to_date)
    deposits = funds.bucket(
        await payment_queries.daily_totals(session, start=start, end=end, kind="deposit")
    )
    withdrawals = funds.bucket(
        await payment_queries.daily_totals(session, start=start, end=end, kind="withdrawal")
    )
    balances = {
        day: await ledger_queries.kind_balance_before(
            session, kind=CUSTOMER_WALLET, before=business_day_start(day + timedelta(days=1))
        )
        for day in days
    }
    return funds.assemble(days, deposits, withdrawals, balances)


async def fund_report(
    db: Database, *, from_date: date, to_date: date, currency: str
) -> FundStatsOut:
    """``fund_stats`` in one read transaction, with the period's totals.

    Raises ``InvalidInput`` as ``fund_stats``."""
    async with db.transaction(readonly=True) as session:
        days = await fund_stats(session, from_date=from_date, to_date=to_date)
    return FundStatsOut(
        from_date=from_date,
        to_date=to_date,
        currency=currency,
        days=[
            FundDayOut(
                business_date=d.business_date,
                deposits_minor=d.deposits_minor,
                deposit_count=d.deposit_count,
                withdrawals_minor=d.withdrawals_minor,
                withdrawal_count=d.withdrawal_count,
                net_inflow_minor=d.net_inflow_minor,
                customer_balance_minor=d.customer_balance_minor,
            )
            for d in days
        ],
        deposits_minor=sum(d.deposits_minor for d in days),
        withdrawals_minor=sum(d.withdrawals_minor for d in days),
        net_inflow_minor=sum(d.net_inflow_minor for d in days),
    )
