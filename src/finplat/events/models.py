"""The outbox: events written in the transaction of the state change they describe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, BigId, IntPk, JsonType, UtcDateTime


class OutboxEvent(Base):
    __tablename__ = "events_outbox"

    id: Mapped[IntPk]
    topic: Mapped[str] = mapped_column(String(64), nullable=False)
    # The payload's shape for its topic (``DomainEvent.version``).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Earliest instant a failed handler of this event is due again (None: due now).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (Index("ix_events_outbox_undispatched", "dispatched_at", "id"),)


class EventDelivery(Base):
    """One row per (event, handler) that has run: what makes redelivery harmless."""

    __tablename__ = "events_delivery"

    id: Mapped[IntPk]
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events_outbox.id"), nullable=False)
    handler: Mapped[str] = mapped_column(String(128), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # done | failed | dead
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("event_id", "handler"),)
