"""FastAPI dependencies shared by every router: database, clock, settings, idempotency key.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, a thread hop
per dependency per request.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request

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


IDEMPOTENCY_HEADER_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 64}


def document_idempotency_key(app: FastAPI) -> None:
    """Publish ``Idempotency-Key`` as the required header it is. The dependency takes it as
    optional so that a missing key gets our own 422 ``idempotency.key_required`` rather than
    FastAPI's generic one; the OpenAPI document says what the API demands."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = generate()
        if first:
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for parameter in operation.get("parameters", []):
                        if parameter.get("in") == "header" and \
                                parameter.get("name") == "Idempotency-Key":
                            parameter["required"] = True
                            parameter["schema"] = {**IDEMPOTENCY_HEADER_SCHEMA,
                                                   "title": "Idempotency-Key"}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


DbDep = Annotated[Database, Depends(get_db)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
IdempotencyKeyDep = Annotated[str, Depends(idempotency_key)]
PageDep = Annotated[PageParams, Depends(page_params)]
