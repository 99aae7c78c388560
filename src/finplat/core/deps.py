"""FastAPI dependencies shared by every router: database, clock, settings, idempotency key.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, a thread hop
per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from finplat.config import Settings
from finplat.core.clock import Clock
from finplat.core.db import Database
from finplat.core.errors import field_error
from finplat.core.pagination import PageParams, page_params


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_clock(request: Request) -> Clock:
    return request.app.state.clock


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    if key is None or not (1 <= len(key) <= 64) or not key.isprintable():
        raise field_error(
            "Idempotency-Key",
            "a header of 1 to 64 printable characters is required",
            code="idempotency.key_required",
        )
    return key


DbDep = Annotated[Database, Depends(get_db)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
IdempotencyKeyDep = Annotated[str, Depends(idempotency_key)]
PageDep = Annotated[PageParams, Depends(page_params)]
