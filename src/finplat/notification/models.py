"""The inbox: one message per (user, what it is about), rendered in the reader's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, BigId, IntPk, JsonType, UtcDateTime


class NotificationMessage(Base):
    """A message key and its parameters, never text: titles and bodies are rendered when read,
    in the reader's language. Parameters hold amounts, ids and product names, nothing personal."""

    __tablename__ = "notification_message"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, nullable=False)
    # What the message is about (``deposit:12``): one message per user and source, so a
    # redelivered event or a second event about the same thing never adds another.
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    # The outbox event the content comes from; only a newer event about the source replaces it.
    event_id: Mapped[int] = mapped_column(BigId, nullable=False)
    topic: Mapped[str] = mapped_column(String(64), nullable=False)
    message_key: Mapped[str] = mapped_column(String(64), nullable=False)
    params: Mapped[dict[str, Any]] = mapped_column(JsonType, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("user_id", "source"),
        Index("ix_notification_message_inbox", "user_id", "occurred_at", "id"),
        Index("ix_notification_message_unread", "user_id", "read_at"),
    )
