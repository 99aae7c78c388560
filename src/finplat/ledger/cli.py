"""``finplat ledger ...``: prove the books from the command line."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer

app = typer.Typer(help="The ledger: verify the books.", no_args_is_help=True)


async def _verify() -> dict[str, Any]:
    from finplat.config import get_settings
    from finplat.ledger.verify import verify_ledger
    from finplat.main import build_database

    db = build_database(get_settings())
    try:
        async with db.transaction(readonly=True) as session:
            return (await verify_ledger(session)).as_json()
    finally:
        await db.dispose()


@app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check that every entry balances and every cached balance equals its postings.

    Exits 0 when the books are right, 1 when a problem was found.
    """
    report = asyncio.run(_verify())
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        state = "OK" if report["ok"] else "PROBLEMS FOUND"
        typer.echo(f"ledger verify: {state} ({report['entries']} entries, "
                   f"{report['accounts']} accounts)")
        for problem in report["problems"]:
            typer.echo(f"  - {problem}")
    raise typer.Exit(code=0 if report["ok"] else 1)
