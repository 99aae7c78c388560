"""Background work that the embedded default runs inside the API process.

With ``enabled`` the outbox dispatcher, the audit sealer, the payment recovery loop and the
scheduler run as asyncio tasks beside the API; in a scaled deployment they run as
``finplat worker`` (dispatcher, sealer and recovery) and ``finplat scheduler`` instead.

Domain packages take part through two optional modules, imported here (``core`` must not import
domain packages): ``finplat.<package>.handlers`` registers event handlers with
``finplat.events.dispatcher`` and ``finplat.<package>.jobs`` registers daily jobs with
``finplat.core.scheduler``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from finplat.audit import sealing
from finplat.core import scheduler
from finplat.core.clock import Clock
from finplat.core.db import Database
from finplat.events import dispatcher
from finplat.schema import MODEL_PACKAGES

log = logging.getLogger(__name__)

PLUGIN_MODULES = ("handlers", "jobs")
DISPATCH_POLL_SECONDS = 1.0
SEAL_INTERVAL_SECONDS = sealing.SEAL_INTERVAL_SECONDS
SCHEDULER_TICK_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0


def load_package_modules() -> list[str]:
    """Import every package's ``handlers`` and ``jobs`` module that exists; returns their names."""
    loaded = []
    for package in MODEL_PACKAGES:
        for kind in PLUGIN_MODULES:
            name = f"finplat.{package}.{kind}"
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as error:
                if error.name != name:
                    raise
                continue
            loaded.append(name)
    return loaded


def recovery_loop(db: Database, *, clock: Clock, stop: asyncio.Event,
                  state: Any = None) -> Coroutine[Any, Any, None]:
    """The loop that settles unfinished payment orders (``finplat.payment.recovery``): with the
    application's channels when ``state`` (its ``app.state``) is given."""
    from finplat.payment import runtime as payment_runtime

    return payment_runtime.run_recovery(db, clock=clock, stop=stop, state=state)


class BackgroundLoops:
    """The dispatcher, audit sealer, payment recovery and scheduler loops as tasks, stopped
    together."""

    def __init__(self, db: Database, clock: Clock, *, dispatch: bool = True,
                 schedule: bool = True, seal: bool = True, recover: bool = True,
                 poll_seconds: float = DISPATCH_POLL_SECONDS,
                 tick_seconds: float = SCHEDULER_TICK_SECONDS,
                 seal_seconds: float = SEAL_INTERVAL_SECONDS, app_state: Any = None) -> None:
        self.stop = asyncio.Event()
        self._coroutines: list[Coroutine[Any, Any, None]] = []
        if dispatch:
            self._coroutines.append(dispatcher.run_forever(
                db, clock=clock, stop=self.stop, poll_interval_seconds=poll_seconds))
        if seal:
            self._coroutines.append(sealing.run_forever(
                db, clock=clock, stop=self.stop, interval_seconds=seal_seconds))
        if recover:
            self._coroutines.append(recovery_loop(db, clock=clock, stop=self.stop,
                                                  state=app_state))
        if schedule:
            self._coroutines.append(scheduler.run_forever(
                db, clock=clock, stop=self.stop, interval_seconds=tick_seconds))
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(c) for c in self._coroutines]

    async def wait(self) -> None:
        await asyncio.gather(*self.tasks)

    async def shutdown(self, timeout_seconds: float = STOP_TIMEOUT_SECONDS) -> None:
        """Let the current batch or job finish, cancelling after ``timeout_seconds``."""
        self.stop.set()
        if not self.tasks:
            for coroutine in self._coroutines:
                coroutine.close()
            return
        _done, pending = await asyncio.wait(self.tasks, timeout=timeout_seconds)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task


@asynccontextmanager
async def background(app: FastAPI, *, enabled: bool) -> AsyncIterator[None]:
    """Run the dispatcher, audit sealer, payment recovery and scheduler beside the API while the
    app is up (if ``enabled``)."""
    if not enabled:
        yield
        return
    load_package_modules()
    loops = BackgroundLoops(app.state.db, app.state.clock, poll_seconds=DISPATCH_POLL_SECONDS,
                            tick_seconds=SCHEDULER_TICK_SECONDS,
                            seal_seconds=SEAL_INTERVAL_SECONDS, app_state=app.state)
    loops.start()
    app.state.background = loops
    log.info("background dispatcher, audit sealer, payment recovery and scheduler started")
    try:
        yield
    finally:
        await loops.shutdown()
        log.info("background dispatcher, audit sealer, payment recovery and scheduler stopped")
