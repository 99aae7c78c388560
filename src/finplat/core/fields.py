"""Bounds and field types shared by the API's schemas: what the database and the clock can hold,
so that an out-of-range value is a 422 and never a database error or an overflow (a 500)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

MAX_ID = 2**63 - 1  # BIGINT: every id column


def _held_in_utc(value: datetime) -> datetime:
    # 0001-01-01T00:00+08:00 or 9999-12-31T23:59-08:00 are valid ISO 8601 but fall outside the
    # years Python can hold in UTC: comparing or storing them raised OverflowError (a 500).
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must fall within the years 1 to 9999 in UTC") from None
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_held_in_utc)]
