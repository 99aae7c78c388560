"""``finplat ledger verify [--json]``: exit 0 on clean books, 1 with the problems listed."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from finplat.config import get_settings
from finplat.ledger.models import LedgerAccount


async def _verify(args):
    from finplat.cli import app

    return await asyncio.to_thread(CliRunner().invoke, app, ["ledger", "verify", *args])


async def test_verify_command(books, settings, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FINPLAT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FINPLAT_ENVIRONMENT", "test")
    get_settings.cache_clear()
    wallet = await books.wallet(1, funded_minor=500)
    try:
        clean = await _verify(["--json"])
        assert clean.exit_code == 0, clean.output
        report = json.loads(clean.stdout)
        assert report["ok"] is True and report["entries"] == 1 and report["problems"] == []
        assert report["accounts"] >= 6

        async with books.db.transaction() as session:
            await session.execute(update(LedgerAccount).where(LedgerAccount.id == wallet)
                                  .values(credits_posted=LedgerAccount.credits_posted + 7))
        broken = await _verify([])
        assert broken.exit_code == 1
        assert "PROBLEMS FOUND" in broken.stdout and f"account {wallet}" in broken.stdout
    finally:
        async with books.db.transaction() as session:
            await session.execute(update(LedgerAccount).where(LedgerAccount.id == wallet)
                                  .values(credits_posted=500))
        get_settings.cache_clear()
