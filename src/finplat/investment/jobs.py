"""The investment package's daily jobs, registered with the scheduler on import.

Each is safe to run again for the same business date: closing, settling, accruing and paying
all work from the current state and change nothing that is already done.
"""

from __future__ import annotations

from datetime import date, datetime

from finplat.core.db import Database
from finplat.core.scheduler import Checkpoint, register_job
from finplat.investment import accrual, payout, settlement

BATCH = 100


async def close_raises(
    *, db: Database, business_date: date, now: datetime, checkpoint: Checkpoint
) -> None:
    """End raises that are over, finish settling any closed raise, start products' terms."""
    while True:
        due = await db.run(
            lambda s: settlement.due_raise_ids(s, now=now, limit=BATCH), readonly=True
        )
        for product_id in due:
            await settlement.close_raise(db, product_id=product_id, now=now, actor_id=None)
            await checkpoint.save({"closed_product_id": product_id})
        if len(due) < BATCH:
            break
    while True:
        unsettled = await db.run(
            lambda s: settlement.unsettled_product_ids(s, limit=BATCH), readonly=True
        )
        for product_id in unsettled:
            await settlement.drain(db, product_id=product_id, now=now)
        if len(unsettled) < BATCH:
            break
    while await accrual.start_running(db, business_date=business_date, now=now) > 0:
        pass


async def accrue(
    *, db: Database, business_date: date, now: datetime, checkpoint: Checkpoint
) -> None:
    """Record the day's yield on every holding (resuming after the last saved holding id)."""

    async def progress(last_id: int) -> None:
        await checkpoint.save({"after_id": last_id})

    after_id = int(checkpoint.state.get("after_id", 0))
    await accrual.accrue_day(
        db, business_date=business_date, now=now, after_id=after_id, progress=progress
    )


async def pay_maturities(
    *, db: Database, business_date: date, now: datetime, checkpoint: Checkpoint
) -> None:
    """Pay products that have matured; underfunded ones wait and are retried on later runs."""
    due = await db.run(
        lambda s: payout.due_product_ids(s, business_date=business_date, limit=10_000),
        readonly=True,
    )
    outcomes: dict[str, str] = {}
    for product_id in due:
        outcomes[str(product_id)] = await payout.pay_product(
            db, product_id=product_id, business_date=business_date, now=now
        )
        await checkpoint.save({"outcomes": outcomes})


register_job("investment.close_raises", close_raises, order=40)
register_job("investment.accrual", accrue, order=50)
register_job("investment.maturity", pay_maturities, order=60)
