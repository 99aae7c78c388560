"""Scheduled work of the payment package: the daily reconciliation. The run for business date D
reconciles D - 1, the last day whose statement is complete. (Unfinished orders are not a daily
job: the recovery loop settles them continuously, ``finplat.payment.recovery``.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from finplat.core.db import Database
from finplat.core.scheduler import Checkpoint, register_job

JOB_NAME = "payment.reconciliation"


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


register_job(JOB_NAME, reconcile_previous_day, order=50)
