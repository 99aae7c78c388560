"""``finplat events ...``: outbox inspection and redelivery. The ``worker`` that drains the
outbox continuously is a top-level process (``finplat.processes``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from finplat.core.clock import Clock
from finplat.core.db import Database
from finplat.processes import with_database as _with_database

app = typer.Typer(help="The transactional outbox: pending events, failed deliveries, redelivery.",
                  no_args_is_help=True)
console = Console()


@app.command("dispatch")
def dispatch_command(
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Events per batch.")] = 100,
) -> None:
    """Deliver every event that is due now, batch by batch, then exit."""
    from finplat import runtime
    from finplat.events import dispatcher

    runtime.load_package_modules()

    async def work(db: Database, clock: Clock) -> int:
        total = 0
        while True:
            report = await dispatcher.dispatch_pending(db, now=clock.now(), batch_size=batch_size)
            total += report.events
            if report.events < batch_size:
                return total

    console.print(f"{_with_database(work)} events dispatched")


@app.command("status")
def status_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Undispatched events and deliveries by status."""
    from finplat.events.models import EventDelivery, OutboxEvent

    async def work(db: Database, _clock: Clock) -> dict[str, Any]:
        async with db.transaction(readonly=True) as session:
            pending = await session.scalar(select(func.count()).select_from(OutboxEvent)
                                           .where(OutboxEvent.dispatched_at.is_(None)))
            rows = await session.execute(select(EventDelivery.status, func.count())
                                         .group_by(EventDelivery.status))
            return {"undispatched_events": int(pending or 0),
                    "deliveries": {status: int(count) for status, count in rows.all()}}

    result = _with_database(work)
    if as_json:
        typer.echo(json.dumps(result))
    else:
        console.print(result)


@app.command("failures")
def failures_command(limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
                     as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The most recent failed or dead deliveries."""
    from finplat.events.models import EventDelivery, OutboxEvent

    async def work(db: Database, _clock: Clock) -> list[dict[str, Any]]:
        async with db.transaction(readonly=True) as session:
            rows = await session.execute(
                select(EventDelivery, OutboxEvent.topic)
                .join(OutboxEvent, OutboxEvent.id == EventDelivery.event_id)
                .where(EventDelivery.status.in_(("failed", "dead")))
                .order_by(EventDelivery.updated_at.desc()).limit(limit))
            return [{"event_id": d.event_id, "topic": topic, "handler": d.handler,
                     "status": d.status, "attempts": d.attempts, "last_error": d.last_error,
                     "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at
                     else None} for d, topic in rows.all()]

    rows = _with_database(work)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table(title="failed deliveries")
    for column in ("event", "topic", "handler", "status", "attempts", "last error"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["event_id"]), row["topic"], row["handler"], row["status"],
                      str(row["attempts"]), (row["last_error"] or "")[:80])
    console.print(table)


@app.command("retry")
def retry_command(event_id: Annotated[int | None, typer.Option(help="Only this event.")] = None,
                  handler: Annotated[str | None, typer.Option(help="Only this handler.")] = None,
                  ) -> None:
    """Give dead deliveries a fresh round of attempts."""
    from finplat.events import dispatcher

    async def work(db: Database, clock: Clock) -> int:
        return await dispatcher.retry_dead(db, now=clock.now(), event_id=event_id,
                                           handler_name=handler)

    console.print(f"{_with_database(work)} deliveries revived")
