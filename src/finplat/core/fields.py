"""Bounds and field types shared by the API's schemas: what the database and the clock can hold,
so that an out-of-range value is a 422 and never a database error or an overflow (a 500)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, Strict

MAX_ID = 2**63 - 1  # BIGINT: every id column
# The largest amount any request may name: 10 trillion yuan, far above any real balance and far
# below BIGINT, so that sums of a few amounts cannot overflow a column either. Schemas tighten it.
MAX_AMOUNT_MINOR = 10**15

# Every ``*_minor`` amount in a request: a JSON integer of fen and nothing else. Strict, because
# lax integers took ``true`` as 1, ``"100"`` as 100 and ``100.0`` as 100 (a typo or a confused
# client moving money). Tighten the bound where a field allows less:
# ``Annotated[AmountMinor, Field(le=N)]`` (a default ``= Field(le=N)`` would not override it).
AmountMinor = Annotated[int, Strict(), Field(gt=0, le=MAX_AMOUNT_MINOR)]
AmountMinorOrZero = Annotated[int, Strict(), Field(ge=0, le=MAX_AMOUNT_MINOR)]


def _held_in_utc(value: datetime) -> datetime:
    # 0001-01-01T00:00+08:00 or 9999-12-31T23:59-08:00 are valid ISO 8601 but fall outside the
    # years Python can hold in UTC: comparing or storing them raised OverflowError (a 500).
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must fall within the years 1 to 9999 in UTC") from None
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_held_in_utc)]


# Control (NUL, escapes), format (U+202E right-to-left override, zero-width) and surrogate
# characters: invisible or reordering in what staff and users read, and NUL is storable on
# SQLite but not on PostgreSQL, so the same request would succeed on one and fail on the other.
_HIDDEN = frozenset({"Cc", "Cf", "Cs"})
_LINE_BREAKS = frozenset("\t\n\r")


def _single_line(value: str) -> str:
    if any(unicodedata.category(char) in _HIDDEN for char in value):
        raise ValueError("must not contain control, format or invisible characters")
    return value


def _text(value: str) -> str:
    if any(unicodedata.category(char) in _HIDDEN and char not in _LINE_BREAKS
           for char in value):
        raise ValueError("must not contain control or format characters other than line breaks")
    return value


# A name, title or reason on one line; bound its length with ``Field(max_length=)``.
SingleLine = Annotated[str, AfterValidator(_single_line)]
# A longer text (disclosures, notes): line breaks and tabs allowed, other control characters not.
Text = Annotated[str, AfterValidator(_text)]
