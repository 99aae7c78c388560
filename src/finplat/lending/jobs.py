"""The lending package's daily jobs, registered with the scheduler on import. Shared by
origination and servicing: append jobs, never change one.

Each is safe to run again for the same business date: it works from the current state.
"""

from __future__ import annotations

from datetime import date, datetime

from finplat.core.db import Database
from finplat.core.scheduler import Checkpoint, register_job
from finplat.lending import listings
from finplat.lending.policy import get_policy


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


register_job("lending.expire_listings", expire_listings, order=40)
