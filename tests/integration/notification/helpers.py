"""Recording the events the inbox listens to, and dispatching them."""

from __future__ import annotations

from datetime import datetime

from finplat.core.db import Database
from finplat.events import dispatcher
from finplat.events import service as events_service
from finplat.events.types import DomainEvent

# The handlers register with the process-wide dispatcher when imported.
import finplat.notification.handlers  # noqa: F401, E402  isort: skip


async def record(db: Database, event: DomainEvent, *, now: datetime) -> int:
    """The event as its producer writes it: audit record and outbox event together."""
    target = next(iter(event.payload().items()))

    async def work(session):  # type: ignore[no-untyped-def]
        return await events_service.record(session, event, target_type=target[0],
                                           target_id=target[1], now=now)

    return await db.run(work)


async def dispatch_all(db: Database, *, now: datetime) -> dispatcher.DispatchReport:
    total = dispatcher.DispatchReport()
    # The inbox's handlers alone: risk monitoring listens to the same topics, and these tests
    # count what the inbox was given.
    inbox = dispatcher.registry.subset("notification.")
    while True:
        report = await dispatcher.dispatch_pending(db, now=now, registry=inbox)
        total.events += report.events
        total.delivered += report.delivered
        total.failed += report.failed
        if report.events == 0:
            return total
