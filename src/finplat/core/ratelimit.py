"""Per-IP rate limits (429 with Retry-After), with the ``limits`` library.

Every ``/api/`` request counts against ``settings.rate_limit_per_ip``; requests under
``/api/v1/auth/`` also count against the stricter ``settings.rate_limit_auth_per_ip`` (password
guessing, code guessing). Counters live in memory in the embedded default and in Redis when
``settings.redis_url`` is set, so that every API process shares them. If the counter store is
unreachable the request passes: a limiter outage must not become a platform outage.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass

from fastapi import FastAPI
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from finplat.core import messages

log = logging.getLogger("finplat.ratelimit")

API_PREFIX = "/api/"
AUTH_PREFIX = "/api/v1/auth/"


@dataclass(frozen=True)
class Rule:
    name: str
    prefix: str
    item: RateLimitItem


def build_storage(redis_url: str | None) -> Storage:
    if not redis_url:
        return MemoryStorage()
    # redis-py is already a dependency; the library's default async client (coredis) is not.
    storage = storage_from_string(
        f"async+{redis_url}", implementation="redispy", key_prefix="finplat-ratelimit"
    )
    assert isinstance(storage, Storage)
    return storage


def client_key(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, rules: tuple[Rule, ...], storage: Storage) -> None:
        self.app = app
        self.rules = rules
        # Two counters per key and window, O(1) per request. A moving window keeps every hit of
        # the window (in memory: a list insert per request, a thread hop to expire them), which
        # costs more the busier the address.
        self.limiter = SlidingWindowCounterRateLimiter(storage)

    async def _retry_after(self, rule: Rule, key: str) -> int | None:
        """Seconds to wait when ``key`` is over ``rule``, else None (and the hit is counted)."""
        if await self.limiter.hit(rule.item, rule.name, key):
            return None
        stats = await self.limiter.get_window_stats(rule.item, rule.name, key)
        return max(math.ceil(stats.reset_time - time.time()), 1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        key = client_key(scope)
        for rule in self.rules:
            if not path.startswith(rule.prefix):
                continue
            try:
                wait = await self._retry_after(rule, key)
            except Exception:
                log.warning("rate limit store unavailable; request not limited", exc_info=True)
                continue
            if wait is not None:
                await _too_many(send, wait, rule.name)
                return
        await self.app(scope, receive, send)


async def _too_many(send: Send, retry_after_seconds: int, rule_name: str) -> None:
    body = json.dumps(messages.localise(
        {
            "type": "https://finplat.dev/problems/http/rate_limited",
            "title": "Too many requests",
            "status": 429,
            "code": "http.rate_limited",
            "detail": f"too many requests from this address ({rule_name}); retry after "
            f"{retry_after_seconds} s",
        }
    ), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after_seconds).encode()),
                (b"content-language", messages.language_var.get().encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install(app: FastAPI) -> None:
    settings = app.state.settings
    rules = (
        Rule("per_ip", API_PREFIX, parse(settings.rate_limit_per_ip)),
        Rule("auth_per_ip", AUTH_PREFIX, parse(settings.rate_limit_auth_per_ip)),
    )
    app.add_middleware(RateLimitMiddleware, rules=rules, storage=build_storage(settings.redis_url))
