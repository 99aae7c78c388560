"""``finplat audit ...``: verifying the hash chain."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console

from finplat.audit.verify import ChainReport

app = typer.Typer(help="The audit log: verify its hash chain.", no_args_is_help=True)
console = Console()


async def _verify() -> ChainReport:
    from finplat.audit.verify import verify_chain
    from finplat.config import get_settings
    from finplat.main import build_database

    db = build_database(get_settings())
    try:
        async with db.transaction(readonly=True) as session:
            return await verify_chain(session)
    finally:
        await db.dispose()


@app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Recompute the chain; exit 1 naming the first broken sequence if it was tampered with."""
    report = asyncio.run(_verify())
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    elif report.ok:
        console.print(f"audit chain intact: {report.records} records, head {report.head_hash}")
    else:
        console.print(f"[red]audit chain broken at sequence {report.first_broken_sequence}:[/red] "
                      f"{report.problem}")
    if not report.ok:
        raise typer.Exit(1)
