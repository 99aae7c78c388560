"""Operators' dashboards over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from finplat.analytics import service
from finplat.analytics.schemas import FundDayOut, FundStatsOut
from finplat.core.deps import DbDep, SettingsDep
from finplat.identity.deps import Principal, require_roles

router = APIRouter(tags=["analytics"])

StatsReader = Annotated[Principal, Depends(require_roles("admin", "risk_officer", "auditor"))]


@router.get("/admin/stats/funds", response_model=FundStatsOut)
async def fund_stats(
    _staff: StatsReader,
    db: DbDep,
    settings: SettingsDep,
    from_date: Annotated[date, Query(alias="from", description="First business day.")],
    to_date: Annotated[date, Query(alias="to", description="Day after the last (half-open).")],
) -> FundStatsOut:
    """Deposits, withdrawals, net inflow and the customers' total balance at each day's end,
    by business day (Asia/Shanghai) over ``[from, to)``."""
    async with db.transaction(readonly=True) as session:
        days = await service.fund_stats(session, from_date=from_date, to_date=to_date)
    return FundStatsOut(
        from_date=from_date,
        to_date=to_date,
        currency=settings.currency,
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
