"""The long-running processes of a scaled deployment, beside ``finplat serve``:
``finplat worker`` (outbox dispatcher and audit sealer) and ``finplat scheduler`` (the business
day's jobs). In the embedded default ``finplat serve`` runs the same loops in-process
(``runtime.background``)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from finplat.core.clock import Clock, SystemClock, business_date
from finplat.core.db import Database

console = Console()
T = TypeVar("T")

MetricsPort = Annotated[int, typer.Option(
    min=0, max=65535, help="Serve Prometheus /metrics on this port (0: do not serve).")]


def with_database(work: Callable[[Database, Clock], Awaitable[T]]) -> T:
    """Run ``work`` with a database built from the settings and the system clock (for commands)."""
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


async def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)


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
    """Drain the outbox to the event handlers and seal the audit log until stopped
    (SIGINT/SIGTERM)."""
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
        await _stop_on_signals(stop)
        await asyncio.gather(
            dispatcher.run_forever(db, clock=clock, stop=stop,
                                   poll_interval_seconds=poll_seconds, batch_size=batch_size),
            sealing.run_forever(db, clock=clock, stop=stop),
            runtime.recovery_loop(db, clock=clock, stop=stop))

    with_database(work)


def scheduler(
    date_: Annotated[str | None, typer.Option("--date", help="Business date YYYY-MM-DD "
                                              "(Asia/Shanghai); default today.")] = None,
    once: Annotated[bool, typer.Option("--once", help="Run the day's jobs once and exit.")] = False,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Let jobs that gave up on that date try again.")] = False,
    tick_seconds: Annotated[float, typer.Option(min=1, max=3600)] = 60.0,
    metrics_port: MetricsPort = 0,
) -> None:
    """Run the business day's jobs in order: once with --once or --date D (exit 0 when all
    succeeded), else every tick until stopped."""
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
            await core_scheduler.reset_attempts(db, day=day or business_date(clock.now()))
        if once or day is not None:
            report = await core_scheduler.run_day(db, clock=clock, day=day)
            for outcome in report.outcomes:
                console.print(f"{report.business_date} {outcome.job}: {outcome.status}"
                              + (f" ({outcome.error})" if outcome.error else ""))
            return report.ok
        stop = asyncio.Event()
        await _stop_on_signals(stop)
        await core_scheduler.run_forever(db, clock=clock, stop=stop, interval_seconds=tick_seconds)
        return True

    if not with_database(work):
        raise typer.Exit(1)
