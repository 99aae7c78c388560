"""The migrations build exactly the schema the models describe, and 0001 can be undone."""

import asyncio

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from finplat.migrate import alembic_config, upgrade
from finplat.schema import load_models


async def _run_sync(url: str, fn):
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(fn)
    finally:
        await engine.dispose()


def _differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                           "render_as_batch": True})
    return compare_metadata(context, load_models().metadata)


@pytest.fixture
async def fresh_url(database_url: str, migrated, tmp_path) -> str:
    """A freshly migrated database: a new SQLite file, or the session's server database, which
    the harness rebuilt from an empty schema with every migration."""
    if not database_url.startswith("sqlite"):
        return database_url
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    await asyncio.to_thread(upgrade, url)
    return url


@pytest.mark.database
async def test_migrated_schema_matches_the_models(fresh_url: str) -> None:
    differences = await _run_sync(fresh_url, _differences)
    assert differences == [], "\n".join(str(d) for d in differences)


async def test_core_migration_upgrades_and_downgrades(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'core.db'}"
    await asyncio.to_thread(upgrade, url, "0001")
    tables = set(await _run_sync(url, lambda c: inspect(c).get_table_names()))
    assert {"audit_record", "audit_chain_head", "core_idempotency_key", "core_job_run",
            "events_outbox", "events_delivery"} <= tables
    await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
    tables = set(await _run_sync(url, lambda c: inspect(c).get_table_names()))
    assert tables <= {"alembic_version"}
