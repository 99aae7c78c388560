"""Cursor pagination, the one helper every list endpoint uses: ``?limit=`` (1-100, default 20)
and an opaque ``?cursor=`` in, ``{"items": [...], "next_cursor": ...}`` out.

A query fetches ``page.fetch_limit`` rows (one more than the page) in its order, after the
position ``page.last_id`` (or its own ``decode_cursor`` shape), and ``page_of`` cuts the page:
the extra row only says that another page follows, so the last page never links to an empty one.
A cursor this API could not have issued is a 422, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from finplat.core.errors import InvalidInput, field_error
from finplat.core.fields import MAX_ID

T = TypeVar("T")
R = TypeVar("R")
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_CURSOR_LENGTH = 512


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def _not_ours() -> InvalidInput:
    return field_error("cursor", "is not a cursor this API issued")


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The position a cursor carries; raises ``InvalidInput`` (422) for anything else."""
    if cursor is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError, RecursionError):
        raise _not_ours() from None
    if not isinstance(value, dict):
        raise _not_ours()
    return value


def cursor_id(cursor: str | None) -> int | None:
    """The last-seen id carried by a cursor of the common ``{"id": n}`` shape."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    value = position.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise _not_ours()
    return value


class PageParams(BaseModel):
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    @property
    def fetch_limit(self) -> int:
        """Rows to fetch: one more than the page, to learn whether another page follows."""
        return self.limit + 1

    @property
    def last_id(self) -> int | None:
        """The id a cursor of the common ``{"id": n}`` shape carries; None on the first page."""
        return cursor_id(self.cursor)


def page_of(
    rows: Sequence[R],
    page: PageParams,
    *,
    item: Callable[[R], Any] | None = None,
    position: Callable[[R], dict[str, Any]] | None = None,
) -> Page[Any]:
    """The page cut from up to ``page.fetch_limit`` rows fetched in order. ``item`` turns a row
    into what the page lists (default: the row), ``position`` names where the next page starts
    (default: ``{"id": row.id}``)."""
    shown = list(rows[: page.limit])
    next_cursor = None
    if len(rows) > page.limit and shown:
        last = shown[-1]
        next_cursor = encode_cursor(position(last) if position else {"id": last.id})  # type: ignore[attr-defined]
    return Page(items=[item(row) for row in shown] if item else shown, next_cursor=next_cursor)


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> PageParams:
    decode_cursor(cursor)  # a malformed cursor is refused before any endpoint runs
    return PageParams(limit=limit, cursor=cursor)
