"""The ASGI application: routers, middleware, error handling and in-process background work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from finplat import __version__
from finplat.config import Settings, get_settings
from finplat.core import crypto, messages, openapi, problems
from finplat.core.clock import Clock, SystemClock
from finplat.core.db import Database
from finplat.modules import optional_module

API_PREFIX = "/api/v1"

# Each package that serves HTTP exposes ``router`` in its ``router`` module.
ROUTER_PACKAGES = (
    "identity",
    "ledger",
    "payment",
    "product",
    "investment",
    "marketing",
    "analytics",
    "audit",
    "notification",
    "risk",
    "lending",
    "system",
)


def build_database(settings: Settings) -> Database:
    return Database(
        settings.database_url,
        statement_timeout_ms=settings.database_statement_timeout_ms,
        lock_timeout_ms=settings.database_lock_timeout_ms,
        pool_size=settings.database_pool_size,
    )


def _include_routers(app: FastAPI) -> None:
    for package in ROUTER_PACKAGES:
        module = optional_module(f"finplat.{package}.router")
        if module is None:
            continue
        app.include_router(module.router, prefix=API_PREFIX)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    db: Database | None = None,
    background: bool | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own settings, frozen clock and database."""
    settings = settings or get_settings()
    crypto.configure(
        crypto.KeyRing.parse(settings.data_keys, settings.data_key_active, settings.blind_index_key)
    )
    database = db or build_database(settings)
    run_background = settings.run_background_in_process if background is None else background

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from finplat import runtime

        async with runtime.background(app, enabled=run_background):
            yield
        if db is None:
            await database.dispose()

    app = FastAPI(
        title="finplat",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        # Served by ``apidocs`` with local assets (no CDN): usable without internet access.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.db = database
    problems.install(app)

    from finplat import apidocs, observability, ops, webapp
    from finplat.core import bodylimit, ratelimit

    observability.install(app)
    # Added before the rate limit, so inside it: an oversized request still counts against it.
    bodylimit.install(app)
    ratelimit.install(app)
    # Outermost of these: every problem, the rate limit's and body limit's too, is localised.
    app.add_middleware(messages.LanguageMiddleware)
    app.include_router(ops.router)
    _include_routers(app)
    openapi.install(app)
    apidocs.install(app, openapi_url="/openapi.json")
    webapp.mount(app)
    return app
