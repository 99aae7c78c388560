"""``finplat risk report`` and ``finplat risk lists load``: the regulatory reports and the
watch lists, from the command line (added to ``finplat risk`` by ``finplat.risk.cli``).

Exit codes: 0 done, 2 bad input.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from finplat.core.clock import Clock
from finplat.core.db import Database
from finplat.core.errors import DomainError
from finplat.processes import with_database
from finplat.risk import reports, screening

lists_app = typer.Typer(help="Watch lists for screening. 观察名单。", no_args_is_help=True)


def report(
    report_type: Annotated[str, typer.Option("--type", help="large-value | suspicious")],
    day: Annotated[datetime, typer.Option("--date", formats=["%Y-%m-%d"],
                                          help="Business date (Asia/Shanghai). 业务日期。")],
    file_format: Annotated[str, typer.Option("--format", help="csv | json")] = "csv",
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Generate a regulatory report of one business date (stored, audited) and print it.
    生成监管报告。"""
    if report_type not in reports.TYPES or file_format not in reports.FORMATS:
        typer.echo("error: --type large-value|suspicious, --format csv|json", err=True)
        raise typer.Exit(2)

    async def work(db: Database, clock: Clock) -> str:
        async with db.transaction() as session:
            made = await reports.generate(session, report_type=report_type, day=day.date(),
                                          file_format=file_format, actor_id=None,
                                          now=clock.now())
            return made.content

    content = with_database(work)
    if out is None:
        sys.stdout.write(content)
    else:
        out.write_text(content, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@lists_app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="CSV (list,id,name[,category]) or JSON.")],
    rescreen: Annotated[bool, typer.Option(help="Screen screened customers again.")] = True,
) -> None:
    """Add or replace watch-list entries, then screen customers again. 导入观察名单。"""
    try:
        entries = screening.parse_list(file)
    except DomainError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(2) from None

    async def work(db: Database, clock: Clock) -> tuple[int, int]:
        async with db.transaction() as session:
            stored = await screening.load_entries(session, entries, actor_id=None,
                                                  now=clock.now())
            hits = await screening.rescreen_all(session, now=clock.now()) if rescreen else 0
            return stored, hits

    stored, hits = with_database(work)
    typer.echo(f"loaded {stored} entries; {hits} customers match")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.add_typer(lists_app, name="lists")


