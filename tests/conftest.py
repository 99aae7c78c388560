"""Test harness: one migrated database per run (SQLite, or FINPLAT_TEST_DATABASE_URL), emptied
after every test, with the ledger verified as the oracle before it is emptied."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from finplat.config import Settings
from finplat.core import crypto
from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.identity import credentials
from finplat.ledger import verify as ledger_verify
from finplat.main import create_app
from finplat.migrate import upgrade
from finplat.schema import load_models

TEST_NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday

# Property tests check results, not speed: on a shared, loaded machine an example (or drawing
# it) may take longer than hypothesis's limits (200 ms) without anything being wrong.
hypothesis_settings.register_profile("finplat", deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("finplat")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("FINPLAT_TEST_DATABASE_URL")
    if url:
        return url
    path: Path = tmp_path_factory.mktemp("db") / "finplat-test.db"
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    settings = Settings(
        environment="test",
        database_url=database_url,
        run_background_in_process=False,
        log_json=False,
        rate_limit_per_ip="100000/minute",
        rate_limit_auth_per_ip="100000/minute",
        # Tests make about a thousand users: argon2id at its cheapest keeps that to seconds.
        # The production costs are covered by the settings tests.
        password_hash_time_cost=1,
        password_hash_memory_kib=8,
        password_hash_parallelism=1,
        _env_file=None,
    )  # type: ignore[call-arg]
    crypto.configure(
        crypto.KeyRing.parse(settings.data_keys, settings.data_key_active, settings.blind_index_key)
    )
    credentials.configure_hasher(
        time_cost=settings.password_hash_time_cost,
        memory_cost_kib=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
    )
    return settings


async def _reset_schema(url: str) -> None:
    """Start a server-backed run from an empty schema so every migration runs."""
    if url.startswith("sqlite"):
        return
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            if database.dialect == "postgresql":
                await connection.execute(text("DROP SCHEMA public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
            else:
                rows = await connection.execute(text("SHOW TABLES"))
                await connection.execute(text("SET FOREIGN_KEY_CHECKS=0"))
                for (table,) in rows.all():
                    await connection.execute(text(f"DROP TABLE `{table}`"))
                await connection.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> AsyncIterator[Database]:
    await _reset_schema(settings.database_url)
    await asyncio.to_thread(upgrade, settings.database_url)
    database = Database(
        settings.database_url, statement_timeout_ms=15_000, lock_timeout_ms=5_000, pool_size=20
    )
    yield database
    await database.dispose()


async def _verify_ledger(database: Database) -> list[str]:
    """The ledger's problems. Its module is imported unguarded at the top: a ledger that cannot
    be verified fails the run instead of letting every database test pass unchecked."""
    async with database.transaction(readonly=True) as session:
        report = await ledger_verify.verify_ledger(session)
    return [] if report.ok else [str(problem) for problem in report.problems]


async def _empty_all_tables(database: Database) -> None:
    metadata = load_models().metadata
    async with database.transaction() as session:
        if database.dialect in ("mysql", "mariadb"):
            # InnoDB checks a foreign key row by row, so a table referring to itself (a ledger
            # reversal names the entry it reverses) cannot be emptied by one DELETE. The
            # setting belongs to this connection and is restored before it returns to the pool.
            await session.execute(text("SET FOREIGN_KEY_CHECKS=0"))
        try:
            for table in reversed(metadata.sorted_tables):
                await session.execute(table.delete())
        finally:
            if database.dialect in ("mysql", "mariadb"):
                await session.execute(text("SET FOREIGN_KEY_CHECKS=1"))
    from finplat.ledger import accounts as ledger_accounts

    ledger_accounts.forget_known_ids()  # the ids of the accounts just deleted
    from finplat.risk import rules as risk_rules

    risk_rules.forget_cache()  # the rules just deleted


@pytest.fixture
async def db(migrated: Database) -> AsyncIterator[Database]:
    """The test database, empty at the start of every test; the ledger must balance at the end."""
    yield migrated
    problems = await _verify_ledger(migrated)
    await _empty_all_tables(migrated)
    assert not problems, f"ledger verify failed after the test: {problems}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(TEST_NOW)


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, db: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, clock=clock, db=db, background=False)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests talk to nothing but this machine."""
    monkeypatch.setenv("NO_PROXY", "*")
    yield
