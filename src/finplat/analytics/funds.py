"""Fund statistics by business day: deposits, withdrawals, net inflow and the customers' total
balance at each day's end. Pure bucketing here; the reads go through the owning packages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from finplat.core.clock import business_date

MAX_RANGE_DAYS = 92  # one balance query per day: a quarter at most


@dataclass(frozen=True, slots=True)
class FundDay:
    business_date: date
    deposits_minor: int
    deposit_count: int
    withdrawals_minor: int
    withdrawal_count: int
    customer_balance_minor: int

    @property
    def net_inflow_minor(self) -> int:
        return self.deposits_minor - self.withdrawals_minor


def days_between(start: date, end: date) -> list[date]:
    """The business days of the half-open period ``[start, end)``."""
    return [start + timedelta(days=offset) for offset in range((end - start).days)]


def bucket(rows: Iterable[tuple[datetime, int]]) -> dict[date, tuple[int, int]]:
    """(instant, amount) rows -> {business date: (total_minor, count)}."""
    totals: dict[date, tuple[int, int]] = {}
    for instant, amount_minor in rows:
        day = business_date(instant)
        total, count = totals.get(day, (0, 0))
        totals[day] = (total + amount_minor, count + 1)
    return totals


def assemble(
    days: list[date],
    deposits: dict[date, tuple[int, int]],
    withdrawals: dict[date, tuple[int, int]],
    balances: dict[date, int],
) -> list[FundDay]:
    return [
        FundDay(
            business_date=day,
            deposits_minor=deposits.get(day, (0, 0))[0],
            deposit_count=deposits.get(day, (0, 0))[1],
            withdrawals_minor=withdrawals.get(day, (0, 0))[0],
            withdrawal_count=withdrawals.get(day, (0, 0))[1],
            customer_balance_minor=balances.get(day, 0),
        )
        for day in days
    ]
