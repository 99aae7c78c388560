"""Cursor pagination: ``?limit=`` (1-100, default 20) and an opaque ``?cursor=``."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from finplat.core.errors import field_error
from finplat.core.fields import MAX_ID

T = TypeVar("T")
MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise field_error("cursor", "is not a cursor this API issued") from None
    if not isinstance(value, dict):
        raise field_error("cursor", "is not a cursor this API issued")
    return value


def cursor_id(cursor: str | None) -> int | None:
    """The last-seen id carried by a cursor of the common ``{"id": n}`` shape."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    value = position.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise field_error("cursor", "is not a cursor this API issued")
    return value


class PageParams(BaseModel):
    limit: int
    cursor: str | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)
