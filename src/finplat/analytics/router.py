"""Operators' dashboards over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from finplat.analytics import service
from finplat.analytics.schemas import FundStatsOut
from finplat.core.deps import DbDep, SettingsDep
from finplat.identity.deps import Principal, require_roles

router = APIRouter(tags=["analytics"])

# Nothing on the books predates 1970; and the start of business day 0001-01-01 (or the day
# after 9999-12-31) is no instant Python can hold in UTC (an OverflowError, a 500).
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(9999, 12, 30)
StatsReader = Annotated[
    Principal, Depends(require_roles("admin", "risk_officer", "auditor", "finance"))
]


@router.get("/admin/stats/funds", response_model=FundStatsOut)
async def fund_stats(
    _staff: StatsReader,
    db: DbDep,
    settings: SettingsDep,
    from_date: Annotated[date, Query(alias="from", ge=EARLIEST_DATE, le=LATEST_DATE,
                                     description="First business day.")],
    to_date: Annotated[date, Query(alias="to", ge=EARLIEST_DATE, le=LATEST_DATE,
                                   description="Day after the last (half-open).")],
) -> FundStatsOut:
    """Deposits, withdrawals, net inflow and the customers' total balance at each day's end,
    by business day (Asia/Shanghai) over ``[from, to)``."""
    return await service.fund_report(db, from_date=from_date, to_date=to_date,
                                     currency=settings.currency)
