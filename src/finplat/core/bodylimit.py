"""A bound on request bodies: 413 problem+json beyond ``settings.max_request_body_bytes``.

Checked twice, because a client may send no ``Content-Length`` (chunked transfer encoding) or
one that understates what follows: a declared length over the limit is refused before the body is
read, and the body as it streams in is counted, refused at the first byte over the limit. Without
it one request could make the process buffer gigabytes of JSON before any schema saw it.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from finplat.core.problems import problem_response

STATUS = 413


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the streamed body passes the limit; the problem handler
    answers it, or the middleware itself when it escapes the app."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(STATUS, f"the request body is larger than {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value.decode("latin-1").strip())
            except ValueError:
                return None  # the server refuses a malformed length before we see it
    return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit_bytes: int) -> None:
        self.app = app
        self.limit_bytes = limit_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit_bytes:
                    raise BodyTooLarge(self.limit_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = BodyTooLarge(self.limit_bytes)
        response = problem_response(
            STATUS,
            {
                "type": "https://finplat.dev/problems/http/payload_too_large",
                "title": "Payload too large",
                "status": STATUS,
                "detail": error.detail,
                "code": "http.payload_too_large",
            },
            {"Connection": "close"},
        )
        await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(BodyLimitMiddleware, limit_bytes=app.state.settings.max_request_body_bytes)
