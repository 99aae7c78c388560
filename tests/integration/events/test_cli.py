import asyncio
import json

import pytest
from typer.testing import CliRunner

from finplat import runtime
from finplat.core.db import Database
from finplat.events import dispatcher
from finplat.events.dispatcher import Registry
from tests.outbox import stored_event


@pytest.fixture
def cli(settings, monkeypatch):
    from finplat.cli import app
    from finplat.config import get_settings

    monkeypatch.setenv("FINPLAT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FINPLAT_ENVIRONMENT", "test")
    monkeypatch.setattr(runtime, "load_package_modules", lambda: [])
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()


async def _seed(url: str, now, topics: list[str]) -> None:
    database = Database(url)
    try:
        async def work(session):
            for topic in topics:
                await stored_event(session, topic=topic, payload={}, now=now)
        await database.run(work)
    finally:
        await database.dispose()


def test_dispatch_status_failures_and_retry(db, clock, settings, cli, monkeypatch) -> None:
    registry = Registry()
    fail = {"on": True}

    async def sometimes(session, event) -> None:
        if fail["on"]:
            raise RuntimeError("not yet")

    registry.register("test.cli", "test.cli_handler", sometimes)
    monkeypatch.setattr(dispatcher, "registry", registry)
    asyncio.run(_seed(settings.database_url, clock.now(), ["test.cli", "test.cli"]))

    status = json.loads(cli("events", "status", "--json").output)
    assert status["undispatched_events"] == 2

    result = cli("events", "dispatch")
    assert result.exit_code == 0 and "2 events dispatched" in result.output
    failures = json.loads(cli("events", "failures", "--json").output)
    assert {(f["handler"], f["status"], f["attempts"]) for f in failures} == {
        ("test.cli_handler", "failed", 1)}
    table = cli("events", "failures")
    assert table.exit_code == 0 and "test.cli_handler" in table.output

    assert "0 deliveries revived" in cli("events", "retry").output
    status = json.loads(cli("events", "status", "--json").output)
    assert status == {"undispatched_events": 2, "deliveries": {"failed": 2}}

    asyncio.run(_sql(settings.database_url, "UPDATE events_delivery SET status = 'dead'"))
    assert "2 deliveries revived" in cli("events", "retry", "--handler", "test.cli_handler").output
    fail["on"] = False
    assert "2 events dispatched" in cli("events", "dispatch").output
    status = json.loads(cli("events", "status", "--json").output)
    assert status == {"undispatched_events": 0, "deliveries": {"done": 2}}


async def _sql(url: str, statement: str) -> None:
    from sqlalchemy import text

    database = Database(url)
    try:
        async with database.transaction() as session:
            await session.execute(text(statement))
    finally:
        await database.dispose()
