"""Typed domain errors with stable codes; one handler turns them into RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every expected failure. ``code`` is stable (``ledger.insufficient_funds``)."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://finplat.dev/problems/{self.code.replace('.', '/')}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class InvalidInput(DomainError):
    status = 422
    title = "Invalid input"


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthenticated"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"


class ServiceUnavailable(DomainError):
    status = 503
    title = "Service unavailable"


def field_error(field: str, message: str, *, code: str = "validation.invalid") -> InvalidInput:
    """A 422 that names the offending field, in the API.md ``errors`` shape."""
    return InvalidInput(code, f"{field}: {message}", errors=[{"field": field, "message": message}])
