"""HTTP shapes of the system console."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobRunOut(BaseModel):
    job: str
    order: int | None
    business_date: date
    status: str  # not_run | running | done | failed
    attempts: int
    last_error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    lease_expires_at: datetime | None


class SchedulerDayOut(BaseModel):
    business_date: date
    jobs: list[JobRunOut]


class RetryJobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    business_date: date


class JobOutcomeOut(BaseModel):
    job: str
    business_date: date
    status: str  # done | failed | skipped | gave_up
    attempts: int
    error: str | None


class OutboxStatusOut(BaseModel):
    undispatched_events: int
    deliveries: dict[str, int]


class DeliveryFailureOut(BaseModel):
    id: int
    event_id: int
    topic: str
    handler: str
    status: str  # failed | dead
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    updated_at: datetime
    event_created_at: datetime
    payload: dict[str, Any]


class DeliveryRetriedOut(BaseModel):
    id: int
    event_id: int
    status: str
