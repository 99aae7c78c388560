"""``finplat risk lists load`` and ``finplat risk report`` against the test database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from finplat.cli import app
from finplat.config import Settings
from finplat.core.db import Database
from finplat.risk.models import RiskWatchEntry


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("FINPLAT_DATABASE_URL", settings.database_url)
    from finplat.config import get_settings

    get_settings.cache_clear()
    return CliRunner()


async def test_lists_load_and_an_empty_report(runner: CliRunner, db: Database,
                                              tmp_path: Path) -> None:
    listed = tmp_path / "list.csv"
    listed.write_text("list,id,name,category\nsanctions,S-1,張三,sanction\n"
                      "sanctions,S-2,John Smith,pep\n", encoding="utf-8")
    result = await asyncio.to_thread(runner.invoke, app, ["risk", "lists", "load", str(listed)])
    assert result.exit_code == 0, result.output
    assert "loaded 2 entries" in result.output
    async with db.transaction(readonly=True) as session:
        names = sorted((await session.scalars(select(RiskWatchEntry.normalized))).all())
    assert names == ["john smith", "张三"]
    bad = tmp_path / "bad.json"
    bad.write_text('[{"name": "x"}]', encoding="utf-8")
    result = await asyncio.to_thread(runner.invoke, app, ["risk", "lists", "load", str(bad)])
    assert result.exit_code == 2
    report = await asyncio.to_thread(runner.invoke, app, [
        "risk", "report", "--type", "large-value", "--date", "2026-03-02", "--format", "json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["rows"] == []
