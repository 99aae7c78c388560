"""The lending package's daily jobs, registered with the scheduler on import. Shared by
origination and servicing: append jobs, never change one.

Each is safe to run again for the same business date: it works from the current state.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import DomainError
from finplat.core.scheduler import Checkpoint, register_job
from finplat.lending import collection, listings, overdue, reserve
from finplat.lending.policy import get_policy
from finplat.lending.servicing_policy import get_policy as servicing_policy

log = logging.getLogger(__name__)


async def expire_listings(
    *, db: Database, business_date: date, now: datetime, checkpoint: Checkpoint
) -> None:
    """Listings whose funding window has ended unfilled: unfunded, every bid's hold voided."""
    batch = get_policy().expiry_batch
    while True:
        due = await listings.expired_listing_ids(db, now=now, limit=batch)
        for loan_id in due:
            await listings.expire(db, loan_id=loan_id, now=now)
            await checkpoint.save({"expired_loan_id": loan_id})
        if len(due) < batch:
            break



# ---- servicing: collection, overdue, the reserve -----------------------------------------


async def collect(*, db: Database, business_date: date, now: datetime,
                  checkpoint: Checkpoint) -> None:
    """Collect every installment due by the business date from the borrowers' wallets."""

    async def progress(last_id: int, session: AsyncSession) -> None:
        await checkpoint.save({"after_loan_id": last_id}, session=session)

    await collection.collect_day(
        db, business_date=business_date, now=now,
        after_id=int(checkpoint.state.get("after_loan_id", 0)),
        chunk_loans=servicing_policy().collection_chunk_loans, progress=progress)


async def overdue_run(*, db: Database, business_date: date, now: datetime,
                      checkpoint: Checkpoint) -> None:
    """Overdue states, penalty, buckets; then reminders; then the reserve's compensation."""
    policy = servicing_policy()
    state = checkpoint.state
    if state.get("phase", "overdue") == "overdue":
        async def progress(last_id: int, session: AsyncSession) -> None:
            await checkpoint.save({"phase": "overdue", "after_loan_id": last_id},
                                  session=session)

        await overdue.overdue_day(db, business_date=business_date, now=now,
                                  after_id=int(state.get("after_loan_id", 0)),
                                  chunk_loans=policy.overdue_chunk_loans, progress=progress)
        await overdue.remind(db, business_date=business_date, days=policy.reminder_days,
                             now=now)
        state = {"phase": "compensation", "after_loan_id": 0}
        await checkpoint.save(state)
    await _compensate(db, business_date=business_date, now=now, checkpoint=checkpoint,
                      after_id=int(state.get("after_loan_id", 0)))


async def _compensate(db: Database, *, business_date: date, now: datetime,
                      checkpoint: Checkpoint, after_id: int) -> None:
    days = servicing_policy().compensation_days
    while True:
        due = await db.run(partial(reserve.compensation_due_ids, days=days, limit=100,
                                   after_id=after_id), readonly=True)
        for loan_id in due:
            try:
                await reserve.compensate(db, loan_id=loan_id, business_date=business_date,
                                         days=days, now=now)
            except DomainError as error:
                # A wallet that takes no money (frozen) holds this loan back, not the others.
                log.warning("compensation refused", extra={"loan_id": loan_id,
                                                           "code": error.code})
            after_id = loan_id
            await checkpoint.save({"phase": "compensation", "after_loan_id": loan_id})
        if len(due) < 100:
            return


register_job("lending.expire_listings", expire_listings, order=40)
register_job("lending.collection", collect, order=70)
register_job("lending.overdue", overdue_run, order=75)
