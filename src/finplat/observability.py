"""Request ids, JSON logs and Prometheus metrics.

``install(app)`` wraps the app in a pure ASGI middleware (streaming responses and background
tasks keep working, and context variables set here are seen by the handlers). It assigns the
request id, records the client IP for the audit trail and counts requests by route template,
never by raw path, so that ids in URLs cannot blow up the metric cardinality.
``configure_logging()`` routes structlog and the standard library (uvicorn included) through one
JSON renderer that masks personal data.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Mapping, MutableMapping
from typing import IO, Any

import structlog
from fastapi import FastAPI
from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finplat.core import masking
from finplat.core.context import client_ip_var, request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only when it cannot smuggle anything into logs or headers.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
UNMATCHED_ROUTE = "<unmatched>"

HTTP_REQUESTS = Counter(
    "finplat_http_requests_total", "HTTP requests served, by route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "finplat_http_request_duration_seconds", "Time to serve an HTTP request, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_IN_PROGRESS = Gauge("finplat_http_requests_in_progress", "HTTP requests being served.")


def incoming_request_id(value: str | None) -> str:
    """The caller's request id when it is sane, else a fresh one."""
    if value is not None and _SANE_REQUEST_ID.match(value):
        return value
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class ObservabilityMiddleware:
    """Request id in and out, client IP into the context, metrics per route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_id = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                raw_id = value.decode("latin-1")
                break
        request_id = incoming_request_id(raw_id)
        client = scope.get("client")
        id_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(client[0] if client else None)
        status = 500
        header = (REQUEST_ID_HEADER.lower().encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        started = time.perf_counter()
        HTTP_IN_PROGRESS.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            HTTP_IN_PROGRESS.dec()
            method = scope.get("method", "")
            route = route_template(scope)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
            request_id_var.reset(id_token)
            client_ip_var.reset(ip_token)


def install(app: FastAPI) -> None:
    """Wrap the whole app, outside Starlette's server-error middleware.

    Middleware added with ``add_middleware`` sits inside the handler that turns an unexpected
    exception into the 500 response and logs it; from there neither that response nor that log
    line would carry the request id. Wrapping the built stack keeps both inside the request.
    """
    build_stack = app.build_middleware_stack

    def build_observed_stack() -> ASGIApp:
        return ObservabilityMiddleware(build_stack())

    app.build_middleware_stack = build_observed_stack  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------
# Logging

# Keys whose values are secrets: removed from the event altogether.
SECRET_KEYS = frozenset({
    "password", "new_password", "old_password", "password_hash", "token", "access_token",
    "refresh_token", "id_token", "authorization", "secret", "totp_secret", "totp_code", "otp",
    "otp_code", "api_key", "client_secret", "cookie", "pin", "cvn", "cvv",
})
# Keys whose values are personal data: masked by kind.
PERSONAL_KEYS: Mapping[str, Callable[[str | None], str | None]] = {
    "phone": masking.mask_phone, "mobile": masking.mask_phone,
    "bank_reserved_phone": masking.mask_phone, "id_number": masking.mask_id_number,
    "real_name": masking.mask_name, "full_name": masking.mask_name,
    "holder_name": masking.mask_name,
    "bank_card_number": masking.mask_bank_card, "card_number": masking.mask_bank_card,
    "email": masking.mask_email, "address": masking.mask_address,
}
_MAX_DEPTH = 6
# uvicorn's ANSI-coloured copy of the message.
_NOISE_KEYS = frozenset({"color_message"})


def _mask_value(key: str | None, value: Any, depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        return "[nested]"
    if isinstance(value, str):
        masker = PERSONAL_KEYS.get(key.lower()) if key else None
        return masker(value) if masker else masking.scrub(value)
    if isinstance(value, Mapping):
        return {k: _mask_value(str(k), v, depth + 1) for k, v in value.items()
                if str(k).lower() not in SECRET_KEYS}
    if isinstance(value, list | tuple | set):
        return [_mask_value(None, v, depth + 1) for v in value]
    return value


def mask_personal_data(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]
                       ) -> MutableMapping[str, Any]:
    """structlog processor: drop secrets, mask personal data by key and in free text."""
    for key in list(event_dict):
        if key.lower() in SECRET_KEYS or key in _NOISE_KEYS:
            del event_dict[key]
        elif not key.startswith("_"):
            event_dict[key] = _mask_value(key, event_dict[key])
    return event_dict


def add_request_context(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]
                        ) -> MutableMapping[str, Any]:
    request_id = request_id_var.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_request_context,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.format_exc_info,
        # Last before rendering, so that tracebacks and extras are masked too.
        mask_personal_data,
    ]


def configure_logging(*, level: str | None = None, json_output: bool | None = None,
                      stream: IO[str] | None = None) -> None:
    """Send structlog and stdlib logging (uvicorn's included) through one masked renderer.

    ``level`` and ``json_output`` default to the ``FINPLAT_LOG_LEVEL`` and ``FINPLAT_LOG_JSON``
    settings.
    """
    if level is None or json_output is None:
        from finplat.config import get_settings

        settings = get_settings()
        level = level or settings.log_level
        json_output = settings.log_json if json_output is None else json_output
    shared = _shared_processors()
    renderer: Any = (structlog.processors.JSONRenderer(ensure_ascii=False) if json_output
                     else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, *shared,
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers = []
        uvicorn_logger.propagate = True
