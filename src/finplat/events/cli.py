"""``finplat events ...`` (outbox inspection and redelivery) and the ``worker`` and
``scheduler`` processes of a scaled deployment."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from finplat.core.clock import Clock, SystemClock
from finplat.core.db import Database

app = typer.Typer(help="The transactional outbox: pending events, failed deliveries, redelivery.",
                  no_args_is_help=True)
console = Console()
T = TypeVar("T")


def _with_database(work: Callable[[Database, Clock], Awaitable[T]]) -> T:
    from finplat.config import get_settings
    from finplat.core import crypto
    from finplat.main import build_database

    settings = get_settings()
    crypto.configure(crypto.KeyRing.parse(settings.data_keys, settings.data_key_active,
                                          settings.blind_index_key))

    async def main() -> T:
        db = build_database(settings)
        try:
            return await work(db, SystemClock())
        finally:
            await db.dispose()

    return asyncio.run(main())


async def _until_signalled(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)


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


MetricsPort = Annotated[int, typer.Option(
    min=0, max=65535, help="Serve Prometheus /metrics on this port (0: do not serve).")]


def _serve_metrics(port: int) -> None:
    if port:
        from prometheus_client import start_http_server

        start_http_server(port)


def worker(
    poll_seconds: Annotated[float, typer.Option(min=0.05, max=60,
                                                help="Idle poll interval.")] = 1.0,
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Events per batch.")] = 100,
    metrics_port: MetricsPort = 0,
) -> None:
    """Drain the outbox to the event handlers, seal the audit log and settle unfinished payment
    orders until stopped (SIGINT/SIGTERM)."""
    from finplat import runtime
    from finplat.audit import sealing
    from finplat.events import dispatcher
    from finplat.observability import configure_logging

    configure_logging()
    _serve_metrics(metrics_port)
    loaded = runtime.load_package_modules()
    console.print(f"worker: handlers {dispatcher.registry.names()} from {loaded}")

    async def work(db: Database, clock: Clock) -> None:
        stop = asyncio.Event()
        await _until_signalled(stop)
        await asyncio.gather(
            dispatcher.run_forever(db, clock=clock, stop=stop,
                                   poll_interval_seconds=poll_seconds, batch_size=batch_size),
            sealing.run_forever(db, clock=clock, stop=stop),
            runtime.recovery_loop(db, clock=clock, stop=stop))

    _with_database(work)


def scheduler(
    date_: Annotated[str | None, typer.Option("--date", help="Business date YYYY-MM-DD "
                                              "(Asia/Shanghai); default today.")] = None,
    once: Annotated[bool, typer.Option("--once", help="Run the day's jobs once and exit.")] = False,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Let jobs that gave up on that date try again.")] = False,
    tick_seconds: Annotated[float, typer.Option(min=1, max=3600)] = 60.0,
    metrics_port: MetricsPort = 0,
) -> None:
    """Run the business day's jobs in order (once with --once or --date, else every tick)."""
    from finplat import runtime
    from finplat.core import scheduler as core_scheduler
    from finplat.observability import configure_logging

    try:
        day = date.fromisoformat(date_) if date_ else None
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    configure_logging()
    if not (once or day is not None):
        _serve_metrics(metrics_port)
    runtime.load_package_modules()

    async def work(db: Database, clock: Clock) -> bool:
        if retry_failed:
            await core_scheduler.reset_attempts(db, day=day or _today(clock))
        if once or day is not None:
            report = await core_scheduler.run_day(db, clock=clock, day=day)
            for outcome in report.outcomes:
                console.print(f"{report.business_date} {outcome.job}: {outcome.status}"
                              + (f" ({outcome.error})" if outcome.error else ""))
            return report.ok
        stop = asyncio.Event()
        await _until_signalled(stop)
        await core_scheduler.run_forever(db, clock=clock, stop=stop, interval_seconds=tick_seconds)
        return True

    if not _with_database(work):
        raise typer.Exit(1)


def _today(clock: Clock) -> date:
    from finplat.core.clock import business_date

    return business_date(clock.now())


COMMANDS = [worker, scheduler]
