"""Marketing's daily job: prove the points journal, and raise an alert event if it does not
balance (the job itself succeeds, so the rest of the business day is not held up)."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.scheduler import Checkpoint, register_job
from finplat.events import service as events_service
from finplat.marketing import points
from finplat.marketing.events import PointsUnbalanced

log = logging.getLogger(__name__)
MAX_REPORTED_PROBLEMS = 20


async def verify_points(*, db: Database, business_date: date, now: datetime,
                        checkpoint: Checkpoint) -> None:
    report = await db.run(points.verify, readonly=True)
    if not report.ok:
        log.error("points journal does not balance", extra={"problems": len(report.problems)})

        async def alert(session: AsyncSession) -> None:
            await events_service.emit(session, PointsUnbalanced(
                business_date=business_date.isoformat(),
                problems=report.problems[:MAX_REPORTED_PROBLEMS]), now=now)

        await db.run(alert)
    await checkpoint.save({"accounts": report.accounts, "entries": report.entries,
                           "ok": report.ok})


register_job("marketing.points_verify", verify_points, order=90)
