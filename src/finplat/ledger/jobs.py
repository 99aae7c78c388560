"""The ledger's daily jobs: release expired holds, then prove the books."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.scheduler import Checkpoint, register_job
from finplat.ledger import holds, verify

log = logging.getLogger(__name__)

EXPIRE_HOLDS_JOB = "ledger.expire_holds"
VERIFY_JOB = "ledger.verify"


class LedgerDoesNotBalance(RuntimeError):
    """``verify_ledger`` found problems: the run fails and stays visible until it is fixed."""


async def expire_holds_job(*, db: Database, business_date: date, now: datetime,
                           checkpoint: Checkpoint) -> None:
    """Release every hold whose expiry has passed, in bounded chunks that each commit with
    their progress."""
    released = int(checkpoint.state.get("released", 0))
    while True:
        async def chunk(session: AsyncSession, released: int = released) -> int:
            count = await holds.expire_holds(session, now=now, limit=holds.EXPIRY_BATCH_LIMIT)
            await checkpoint.save({"released": released + count}, session=session)
            return count

        count = await db.run(chunk)
        released += count
        if count < holds.EXPIRY_BATCH_LIMIT:
            break
    log.info("expired holds released", extra={"released": released,
                                               "business_date": business_date.isoformat()})


async def verify_job(*, db: Database, business_date: date, now: datetime,
                     checkpoint: Checkpoint) -> None:
    """Recompute the books from the postings; fail loudly when they disagree."""
    async with db.transaction(readonly=True) as session:
        report = await verify.verify_ledger(session)
    if not report.ok:
        summary = report.as_json()
        log.error("ledger verify failed", extra={"problems": summary["problems"][:20]})
        raise LedgerDoesNotBalance("; ".join(summary["problems"][:20]))


# Early in the day: holds must be released before the jobs that spend balances run.
register_job(EXPIRE_HOLDS_JOB, expire_holds_job, order=10)
# Last: after every job of the day has moved its money.
register_job(VERIFY_JOB, verify_job, order=1_000)
