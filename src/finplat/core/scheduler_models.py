"""Scheduler bookkeeping: one row per (job, business date), what makes a day's run resumable."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, IntPk, JsonType, UtcDateTime


class JobRun(Base):
    __tablename__ = "core_job_run"

    id: Mapped[IntPk]
    job_name: Mapped[str] = mapped_column(String(64), nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # running | done | failed
    checkpoint: Mapped[dict[str, Any]] = mapped_column(JsonType, nullable=False)
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # A running run whose lease has passed is taken to have crashed and is resumed.
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (UniqueConstraint("job_name", "business_date"),)
