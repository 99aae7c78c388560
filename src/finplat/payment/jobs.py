"""Scheduled work of the payment package: orders stuck before their channel are handed to it
again, then the daily reconciliation. The run for business date D reconciles D - 1, the last
day whose statement is complete.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from finplat.core.db import Database
from finplat.core.scheduler import Checkpoint, register_job

JOB_NAME = "payment.reconciliation"
RESUBMIT_JOB_NAME = "payment.resubmit_stale"


async def reconcile_previous_day(
    *, db: Database, business_date: date, now: datetime, checkpoint: Checkpoint
) -> None:
    from finplat.config import get_settings
    from finplat.payment import reconciliation_service, runtime
    from finplat.payment.config import get_payment_settings

    channels = runtime.build_registry(
        db=db, settings=get_settings(), policy=get_payment_settings(), deliver=None
    )
    target = business_date - timedelta(days=1)
    done = list(checkpoint.state.get("done", []))
    for name in channels.names():
        if name in done:
            continue  # resumed run: this channel's report is already stored
        await reconciliation_service.reconcile_channel(
            db=db, channels=channels, channel=name, business_date=target, now=now
        )
        done.append(name)
        await checkpoint.save({"done": done, "reconciled_date": target.isoformat()})


async def resubmit_stale_orders(
    *, db: Database, business_date: date, now: datetime, checkpoint: Checkpoint
) -> None:
    from finplat.config import get_settings
    from finplat.core.clock import SystemClock
    from finplat.payment import handover, runtime
    from finplat.payment.config import get_payment_settings

    settings, policy = get_settings(), get_payment_settings()
    # A simulator answers through the same verified callback handling, in this process.
    deliver = runtime.in_process_delivery(
        db=db, clock=SystemClock(), settings=settings, policy=policy
    )
    channels = runtime.build_registry(db=db, settings=settings, policy=policy, deliver=deliver)
    count = await handover.resubmit_stale(
        db=db,
        channels=channels,
        older_than=timedelta(minutes=policy.resubmit_after_minutes),
        now=now,
    )
    for name in channels.names():
        drain = getattr(channels.get(name), "drain", None)
        if drain is not None:
            await drain()
    await checkpoint.save({"resubmitted": count})


register_job(RESUBMIT_JOB_NAME, resubmit_stale_orders, order=40)
register_job(JOB_NAME, reconcile_previous_day, order=50)
