"""The per-IP limiter on an app of its own (the shared test settings set the limits very high)."""

import httpx
from fastapi import FastAPI

from finplat.config import Settings
from finplat.core import ratelimit


def _app(per_ip: str, auth_per_ip: str) -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(
        environment="test",
        rate_limit_per_ip=per_ip,
        rate_limit_auth_per_ip=auth_per_ip,
        _env_file=None,
    )  # type: ignore[call-arg]

    @app.get("/api/v1/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/api/v1/auth/login")
    async def login() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/healthz")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    ratelimit.install(app)
    return app


def _client(app: FastAPI, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 1234)), base_url="http://testserver"
    )


async def test_auth_paths_have_the_stricter_limit_with_retry_after() -> None:
    app = _app("100/minute", "3/minute")
    async with _client(app, "198.51.100.1") as client:
        statuses = [(await client.post("/api/v1/auth/login")).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        refused = await client.post("/api/v1/auth/login")
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["code"] == "http.rate_limited"
        # Other API paths are still under the general limit.
        assert (await client.get("/api/v1/ping")).status_code == 200


async def test_general_limit_is_per_ip() -> None:
    app = _app("2/minute", "100/minute")
    async with _client(app, "198.51.100.2") as first, _client(app, "198.51.100.3") as second:
        assert (await first.get("/api/v1/ping")).status_code == 200
        assert (await first.get("/api/v1/ping")).status_code == 200
        assert (await first.get("/api/v1/ping")).status_code == 429
        assert (await second.get("/api/v1/ping")).status_code == 200
        # Operational endpoints are not limited.
        assert (await first.get("/healthz")).status_code == 200


async def test_unreachable_store_fails_open() -> None:
    app = _app("1/minute", "1/minute")

    class Broken(ratelimit.MemoryStorage):
        async def acquire_entry(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise ConnectionError("store down")

        async def acquire_sliding_window_entry(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise ConnectionError("store down")

    app.user_middleware.clear()
    app.add_middleware(
        ratelimit.RateLimitMiddleware,
        rules=(ratelimit.Rule("per_ip", "/api/", ratelimit.parse("1/minute")),),
        storage=Broken(),
    )
    async with _client(app, "198.51.100.4") as client:
        assert (await client.get("/api/v1/ping")).status_code == 200
        assert (await client.get("/api/v1/ping")).status_code == 200


async def test_redis_storage_when_configured() -> None:
    import os
    import uuid

    import pytest
    import redis.asyncio

    url = os.environ.get("FINPLAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        probe = redis.asyncio.from_url(url)
        await probe.ping()
        await probe.aclose()
    except (OSError, redis.RedisError):
        pytest.skip("no Redis to test against")
    app = FastAPI()
    app.state.settings = Settings(
        environment="test",
        redis_url=url,
        rate_limit_per_ip="2/minute",
        rate_limit_auth_per_ip="100/minute",
        _env_file=None,  # type: ignore[call-arg]
    )

    @app.get("/api/v1/ping")
    async def ping() -> dict[str, bool]:
        return {"ok": True}

    ratelimit.install(app)
    ip = f"203.0.113.{uuid.uuid4().int % 200 + 1}"
    async with _client(app, ip) as client:
        statuses = [(await client.get("/api/v1/ping")).status_code for _ in range(3)]
    assert statuses[-1] == 429
