"""Response bodies of the analytics API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class FundDayOut(BaseModel):
    business_date: date
    deposits_minor: int
    deposit_count: int
    withdrawals_minor: int
    withdrawal_count: int
    net_inflow_minor: int
    customer_balance_minor: int


class FundStatsOut(BaseModel):
    from_date: date
    to_date: date
    currency: str
    days: list[FundDayOut]
    deposits_minor: int
    withdrawals_minor: int
    net_inflow_minor: int
