"""Daily reconciliation against the simulator's statement: matched, missing on either side,
amount mismatch; the stored report, the outbox alert, the staff API and ``finplat reconcile``."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from finplat.core.db import Database
from finplat.events.models import OutboxEvent
from finplat.payment import reconciliation_service
from finplat.payment.channels import ChannelRegistry
from finplat.payment.simulator import SimulatedChannel
from tests.factories import bearer_for, make_staff
from tests.integration.payment.helpers import deposit, withdraw

DAY = date(2026, 3, 2)  # the business date of the test clock


async def _activity(
    client: httpx.AsyncClient, investor: dict[str, Any], bank: SimulatedChannel, post_callback: Any
) -> list[str]:
    references = []
    for amount in (10_000, 20_000, 30_000):
        references.append((await deposit(client, investor["headers"], amount)).json()["reference"])
    await bank.deliver_pending(post_callback)
    references.append((await withdraw(client, investor["headers"], 5_000)).json()["reference"])
    await bank.deliver_pending(post_callback)
    return references


async def _mismatch_events(db: Database) -> list[dict[str, Any]]:
    async with db.transaction(readonly=True) as session:
        rows = await session.scalars(
            select(OutboxEvent.payload).where(
                OutboxEvent.topic == "payment.reconciliation_mismatch"
            )
        )
        return list(rows)


async def test_a_clean_day_matches(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    channels: ChannelRegistry,
    post_callback: Any,
    clock: Any,
) -> None:
    await _activity(client, investor, bank, post_callback)
    reports = await reconciliation_service.reconcile(
        db=db, channels=channels, business_date=DAY, now=clock.now()
    )
    by_channel = {r.channel: r for r in reports}
    assert by_channel["bank"].status == "matched" and by_channel["bank"].matched_count == 4
    assert (
        by_channel["bank"].channel_total_minor == by_channel["bank"].platform_total_minor == 65_000
    )
    assert (
        by_channel["thirdparty"].status == "matched" and by_channel["thirdparty"].matched_count == 0
    )
    assert await _mismatch_events(db) == []


async def test_discrepancies_are_reported_and_alerted(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    channels: ChannelRegistry,
    post_callback: Any,
    clock: Any,
    app: Any,
) -> None:
    first, second, third, _withdrawal = await _activity(client, investor, bank, post_callback)
    await bank.set_statement_amount(first, 9_990)
    await bank.drop_statement_line(second)
    stray = await bank.add_statement_line(
        merchant_reference="DPnotours",
        kind="deposit",
        amount_minor=777,
        currency="CNY",
        processed_at=clock.now(),
    )
    [report] = await reconciliation_service.reconcile(
        db=db, channels=channels, business_date=DAY, now=clock.now(), only="bank"
    )
    assert (
        report.status == "mismatch" and report.matched_count == 2 and report.discrepancy_count == 3
    )
    [event] = await _mismatch_events(db)
    assert event["report_id"] == report.id and event["discrepancy_count"] == 3

    _staff_id, *_ = staff = await make_staff(db, now=clock.now(), role="risk_officer")
    headers = bearer_for(app, staff[0])
    listed = (
        await client.get(f"/api/v1/admin/reconciliation/reports?date={DAY}", headers=headers)
    ).json()
    assert [item["id"] for item in listed["items"]] == [report.id]
    detail = (
        await client.get(f"/api/v1/admin/reconciliation/reports/{report.id}", headers=headers)
    ).json()
    found = {(item["kind"], item["merchant_reference"]) for item in detail["items"]}
    assert found == {
        ("amount_mismatch", first),
        ("missing_at_channel", second),
        ("missing_on_platform", "DPnotours"),
    }
    assert stray and third
    assert (
        await client.get("/api/v1/admin/reconciliation/reports/999999", headers=headers)
    ).status_code == 404
    assert (
        await client.get("/api/v1/admin/reconciliation/reports", headers=investor["headers"])
    ).status_code == 403


async def test_the_channels_clock_decides_the_day(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    channels: ChannelRegistry,
    post_callback: Any,
    clock: Any,
    app: Any,
) -> None:
    clock.set(clock.now().replace(hour=15, minute=59, second=50))  # 23:59:50 in Shanghai
    created = await deposit(client, bearer_for(app, investor["user_id"]), 1_000)
    assert created.status_code == 201
    clock.advance(timedelta(seconds=20))  # the callback arrives on the next business day
    await bank.deliver_pending(post_callback)
    [today] = await reconciliation_service.reconcile(
        db=db, channels=channels, business_date=DAY, now=clock.now(), only="bank"
    )
    [tomorrow] = await reconciliation_service.reconcile(
        db=db,
        channels=channels,
        business_date=DAY + timedelta(days=1),
        now=clock.now(),
        only="bank",
    )
    assert (today.status, today.matched_count) == ("matched", 1)
    assert (tomorrow.status, tomorrow.matched_count) == ("matched", 0)


async def test_the_command_line(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from finplat.cli import app as cli_app
    from finplat.config import get_settings

    references = await _activity(client, investor, bank, post_callback)
    monkeypatch.setenv("FINPLAT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FINPLAT_ENVIRONMENT", "test")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = await asyncio.to_thread(
            runner.invoke, cli_app, ["reconcile", "--date", DAY.isoformat(), "--json"]
        )
        assert result.exit_code == 0, result.output
        output = json.loads(result.output)
        assert output["ok"] is True and {r["channel"] for r in output["reports"]} == {
            "bank",
            "thirdparty",
        }
        await bank.drop_statement_line(references[0])
        result = await asyncio.to_thread(
            runner.invoke, cli_app, ["reconcile", "--date", DAY.isoformat(), "--channel", "bank"]
        )
        assert result.exit_code == 1 and "mismatch" in result.output
        result = await asyncio.to_thread(
            runner.invoke, cli_app, ["reconcile", "--date", "yesterday"]
        )
        assert result.exit_code == 2

        async def silent(*_args: Any, **_kwargs: Any) -> bytes:
            from finplat.payment.channels import ChannelTimeout

            raise ChannelTimeout("bank")

        monkeypatch.setattr(SimulatedChannel, "fetch_statement", silent)
        result = await asyncio.to_thread(
            runner.invoke, cli_app, ["reconcile", "--date", DAY.isoformat()]
        )
        assert result.exit_code == 3 and "payment.channel_timeout" in result.output
    finally:
        get_settings.cache_clear()
