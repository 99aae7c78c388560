"""The one place errors become HTTP: RFC 9457 problem+json for every failure, never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from finplat.core import messages
from finplat.core.db import is_disconnect
from finplat.core.errors import DomainError, InvalidInput, ServiceUnavailable
from finplat.core.idempotency import Outcome

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("finplat.errors")

_STATUS_CODES = {
    400: ("Bad request", "http.bad_request"),
    401: ("Unauthenticated", "auth.unauthenticated"),
    403: ("Forbidden", "auth.forbidden"),
    404: ("Not found", "http.not_found"),
    405: ("Method not allowed", "http.method_not_allowed"),
    409: ("Conflict", "http.conflict"),
    413: ("Payload too large", "http.payload_too_large"),
    415: ("Unsupported media type", "http.unsupported_media_type"),
    422: ("Invalid input", "validation.invalid"),
    429: ("Too many requests", "http.rate_limited"),
}


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    """The problem in the request's language (``core.messages``: Chinese or English)."""
    headers = {**(headers or {}), "Content-Language": messages.language_var.get(),
               "Vary": "Accept-Language"}
    return JSONResponse(messages.localise(body), status_code=status, media_type=PROBLEM_JSON,
                        headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, error: DomainError) -> JSONResponse:
        return problem_response(error.status, error.problem(), error.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))}
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem_response(
            422,
            {
                "type": "https://finplat.dev/problems/validation/invalid",
                "title": "Invalid input",
                "status": 422,
                "detail": detail or "invalid input",
                "code": "validation.invalid",
                "errors": errors,
            },
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        title, code = _STATUS_CODES.get(error.status_code, ("Error", "http.error"))
        return problem_response(
            error.status_code,
            {
                "type": f"https://finplat.dev/problems/{code.replace('.', '/')}",
                "title": title,
                "status": error.status_code,
                "detail": str(error.detail),
                "code": code,
            },
            dict(error.headers) if error.headers else None,
        )

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, error: DBAPIError) -> JSONResponse:
        # Handled here rather than by the catch-all: these are expected events, answered
        # without an error trace.
        if _sqlstate(error) in _UNSTORABLE_TEXT:
            # PostgreSQL text cannot hold NUL (nor bytes invalid in UTF-8): bad input, and the
            # transaction that met it has rolled back, so nothing changed.
            bad_input = InvalidInput(
                "validation.invalid",
                "text must not contain NUL or other characters that cannot be stored",
                errors=[{"field": "body", "message": "contains a NUL character"}],
            )
            return problem_response(bad_input.status, bad_input.problem())
        if not is_disconnect(error):
            return _internal_error(error)
        log.warning("database connection lost: %s", type(error.orig).__name__)
        lost = ServiceUnavailable(
            "service.unavailable",
            "the database connection was lost; retry with the same Idempotency-Key",
            headers={"Retry-After": "1"},
        )
        return problem_response(lost.status, lost.problem(), lost.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        return _internal_error(error)


# character_not_in_repertoire, untranslatable_character
_UNSTORABLE_TEXT = {"22021", "22P05"}


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)


def _internal_error(error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    return problem_response(
        500,
        {
            "type": "https://finplat.dev/problems/internal",
            "title": "Internal error",
            "status": 500,
            "detail": "an internal error occurred; it has been logged",
            "code": "internal.error",
        },
    )


def outcome_response(outcome: Outcome) -> JSONResponse:
    """The answer to an idempotent request: a replayed failure stays problem+json."""
    if outcome.status_code >= 400:
        return problem_response(outcome.status_code, outcome.body)
    return JSONResponse(outcome.body, status_code=outcome.status_code)
