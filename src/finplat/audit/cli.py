"""``finplat audit ...``: sealing and verifying the hash chain."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console

from finplat.audit.verify import ChainReport

app = typer.Typer(help="The audit log: seal pending records and verify the hash chain.",
                  no_args_is_help=True)
console = Console()


async def _verify(*, seal: bool) -> tuple[int, ChainReport]:
    from finplat.audit.sealing import seal_all
    from finplat.audit.verify import verify_chain
    from finplat.config import get_settings
    from finplat.core.clock import SystemClock
    from finplat.main import build_database

    clock = SystemClock()
    db = build_database(get_settings())
    try:
        sealed = await seal_all(db, now=clock.now()) if seal else 0
        async with db.transaction(readonly=True) as session:
            return sealed, await verify_chain(session, now=clock.now())
    finally:
        await db.dispose()


@app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    seal: Annotated[bool, typer.Option("--seal", help="Seal every pending record first.")] = False,
) -> None:
    """Report the unsealed records and recompute the chain; exit 1 naming the first problem."""
    sealed, report = asyncio.run(_verify(seal=seal))
    if as_json:
        typer.echo(json.dumps({**report.as_dict(), "sealed_now": sealed}))
    else:
        if seal:
            console.print(f"sealed {sealed} records")
        console.print(f"{report.unsealed} records not yet sealed")
        if report.ok:
            console.print(f"audit chain intact: {report.records} records, "
                          f"head {report.head_hash}")
        elif report.first_broken_sequence is not None:
            console.print(f"[red]audit chain broken at sequence {report.first_broken_sequence}:"
                          f"[/red] {report.problem}")
        else:
            console.print(f"[red]audit log problem:[/red] {report.problem}")
    if not report.ok:
        raise typer.Exit(1)
