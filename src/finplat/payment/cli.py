"""``finplat reconcile --date YYYY-MM-DD [--channel C] [--json]``: the daily reconciliation on
demand. Exposed as a top-level command through ``COMMANDS``."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from finplat.payment.schemas import ReconciliationReportOut

console = Console()


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("expected YYYY-MM-DD") from None


async def _run(business_date: date, channel: str | None) -> list[ReconciliationReportOut]:
    from finplat.config import get_settings
    from finplat.core import crypto
    from finplat.core.clock import SystemClock
    from finplat.main import build_database
    from finplat.payment import reconciliation_service, runtime
    from finplat.payment.config import get_payment_settings

    settings = get_settings()
    crypto.configure(
        crypto.KeyRing.parse(settings.data_keys, settings.data_key_active, settings.blind_index_key)
    )
    db = build_database(settings)
    try:
        channels = runtime.build_registry(
            db=db, settings=settings, policy=get_payment_settings(), deliver=None
        )
        if channel is not None and channel not in channels:
            raise typer.BadParameter(f"unknown channel {channel!r}", param_hint="--channel")
        return await reconciliation_service.reconcile(
            db=db,
            channels=channels,
            business_date=business_date,
            now=SystemClock().now(),
            only=channel,
        )
    finally:
        await db.dispose()


def reconcile(
    business_date: Annotated[str, typer.Option("--date", help="Business date, YYYY-MM-DD.")],
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
) -> None:
    """Reconcile each channel's statement for a business date against the platform's records;
    exit 1 when anything does not match, 3 when a statement cannot be had."""
    from finplat.core.errors import DomainError

    try:
        reports = asyncio.run(_run(_parse_date(business_date), channel))
    except DomainError as error:
        # A channel that does not deliver its statement, or an unreadable file.
        typer.echo(f"reconciliation failed: {error.code}: {error.detail}", err=True)
        raise typer.Exit(code=3) from None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "reports": [r.model_dump(mode="json") for r in reports],
                    "ok": all(r.status == "matched" for r in reports),
                }
            )
        )
    else:
        table = Table(title=f"reconciliation {business_date}")
        for column in (
            "channel",
            "status",
            "matched",
            "discrepancies",
            "channel total (fen)",
            "platform total (fen)",
            "report",
        ):
            table.add_column(column)
        for r in reports:
            table.add_row(
                r.channel,
                r.status,
                str(r.matched_count),
                str(r.discrepancy_count),
                str(r.channel_total_minor),
                str(r.platform_total_minor),
                str(r.id),
            )
        console.print(table)
    if any(r.status != "matched" for r in reports):
        raise typer.Exit(code=1)


COMMANDS = [reconcile]
