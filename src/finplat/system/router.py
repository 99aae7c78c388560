"""``/admin/system``: scheduled jobs per business date and failed event deliveries."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from finplat.core.clock import business_date
from finplat.core.deps import ClockDep, DbDep, PageDep
from finplat.core.fields import MAX_ID
from finplat.core.pagination import Page
from finplat.events import queries as events_queries
from finplat.events import service as events_service
from finplat.identity.deps import Principal, require_roles
from finplat.system import service
from finplat.system.schemas import (
    DeliveryFailureOut,
    DeliveryRetriedOut,
    JobOutcomeOut,
    OutboxStatusOut,
    RetryJobIn,
    SchedulerDayOut,
)

router = APIRouter(prefix="/admin/system", tags=["system"])

Reader = Annotated[Principal, Depends(require_roles("admin", "auditor"))]
Operator = Annotated[Principal, Depends(require_roles("admin"))]
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(9999, 12, 30)


@router.get("/scheduler", response_model=SchedulerDayOut)
async def scheduler_day(
    _staff: Reader, db: DbDep, clock: ClockDep,
    day: Annotated[date | None, Query(alias="date", ge=EARLIEST_DATE, le=LATEST_DATE,
                                      description="Business date; today by default.")] = None,
) -> dict[str, Any]:
    """Every daily job with its run for the business date (``not_run`` when none yet)."""
    return await service.scheduler_day(db, day=day or business_date(clock.now()))


@router.post("/scheduler/jobs/{job}/retry", response_model=JobOutcomeOut)
async def retry_job(
    job: Annotated[str, Path(min_length=1, max_length=64)], body: RetryJobIn,
    staff: Operator, db: DbDep, clock: ClockDep,
) -> dict[str, Any]:
    """Run a failed job of the business date again now, with a fresh round of attempts."""
    return await service.retry_job(db, name=job, day=body.business_date, clock=clock,
                                   actor_id=staff.user_id)


@router.get("/events/status", response_model=OutboxStatusOut)
async def outbox_status(_staff: Reader, db: DbDep) -> dict[str, Any]:
    """Undispatched events and deliveries by status."""
    return await events_queries.outbox_status(db)


@router.get("/events/failures", response_model=Page[DeliveryFailureOut])
async def delivery_failures(
    _staff: Reader, db: DbDep, page: PageDep,
    status: Annotated[Literal["failed", "dead"] | None, Query()] = None,
    topic: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> Page[dict[str, Any]]:
    """Failed (retried with backoff) and dead (given up) deliveries, newest first."""
    return await events_queries.failures_page(db, page=page, status=status, topic=topic)


@router.post("/events/failures/{delivery_id}/retry", response_model=DeliveryRetriedOut)
async def retry_delivery(
    delivery_id: Annotated[int, Path(ge=1, le=MAX_ID)], staff: Operator, db: DbDep,
    clock: ClockDep,
) -> dict[str, Any]:
    """Make the delivery due now (a dead one gets a fresh round of attempts)."""
    return await events_service.retry_delivery(db, delivery_id=delivery_id, now=clock.now(),
                                               actor_id=staff.user_id)
