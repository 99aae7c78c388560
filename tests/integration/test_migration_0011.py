"""Migration 0011: no use case a second time in SQL. What remains on PostgreSQL are the ledger's
own functions; the downgrade gives back what 0007 and 0008 had."""

import asyncio

import pytest
from alembic import command
from sqlalchemy import inspect, text

from finplat.migrate import alembic_config, upgrade
from tests.integration.test_migrations import _run_sync

_DROPPED = {"payment_open_deposit", "payment_open_withdrawal", "payment_settle_callback",
            "idempotency_claim", "audit_append", "ledger_two_leg", "ledger_account_of",
            "ledger_open_hold", "ledger_post_hold", "ledger_write_group"}


def _functions(connection) -> set[str]:
    return set(connection.execute(text(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = current_schema()")).scalars())


def _deposit_columns(connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("payment_deposit")}


@pytest.mark.database
async def test_only_the_ledgers_functions_remain(database_url: str, migrated) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQL functions exist on PostgreSQL only")
    functions = await _run_sync(database_url, _functions)
    # Today: the two trigger functions, ledger_write_entry and ledger_write_batch.
    assert "ledger_write_entry" in functions
    assert all(name.startswith("ledger_") for name in functions), functions
    assert not _DROPPED & functions


async def test_0011_downgrades_and_upgrades_again(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'funds.db'}"
    await asyncio.to_thread(upgrade, url)
    assert "ledger_transfer_id" not in await _run_sync(url, _deposit_columns)
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0010")
    assert "ledger_transfer_id" in await _run_sync(url, _deposit_columns)
    await asyncio.to_thread(upgrade, url)
    assert "ledger_transfer_id" not in await _run_sync(url, _deposit_columns)


@pytest.mark.database
async def test_0011_downgrade_gives_the_functions_back(database_url: str, migrated) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQL functions exist on PostgreSQL only")
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0010")
    try:
        assert _DROPPED <= await _run_sync(database_url, _functions)
    finally:
        await asyncio.to_thread(upgrade, database_url)
    assert not _DROPPED & await _run_sync(database_url, _functions)
