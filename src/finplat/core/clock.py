"""Injected time: only routers, workers and the CLI read the clock; the rest is given ``now``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock for tests and replays: it moves only when told to."""

    def __init__(self, at: datetime) -> None:
        self._at = ensure_utc(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = ensure_utc(at)

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta


def ensure_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not instants; give a timezone")
    return value.astimezone(UTC)


def business_date(now: datetime) -> date:
    """The business day (Asia/Shanghai) that contains the instant ``now``."""
    return ensure_utc(now).astimezone(BUSINESS_TZ).date()


def business_day_start(day: date) -> datetime:
    """The UTC instant at which business day ``day`` starts (half-open days)."""
    return datetime(day.year, day.month, day.day, tzinfo=BUSINESS_TZ).astimezone(UTC)
