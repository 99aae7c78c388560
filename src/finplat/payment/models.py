"""Payment tables: deposits, withdrawals, the callback log, reconciliation reports, and the
custody-bank / third-party simulator's own record of what it processed (its statement source)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, BigId, IntPk, JsonType, UtcDateTime


class PaymentDeposit(Base):
    """Money coming in: created -> pending at the channel -> succeeded | failed."""

    __tablename__ = "payment_deposit"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    # Our order number at the channel (the channel echoes it in callbacks and statements).
    reference: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    channel_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    # The channel's own completion instant: reconciliation groups by its business date.
    channel_completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # While unfinished: when the recovery loop may look at it again (a lease; see recovery.py).
    recovery_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("channel", "channel_reference"),
        Index("ix_payment_deposit_user_id_id", "user_id", "id"),
        Index("ix_payment_deposit_channel_completed_at", "channel", "channel_completed_at"),
        Index("ix_payment_deposit_status_created_at", "status", "created_at"),
    )


class PaymentWithdrawal(Base):
    """Money going out: created (funds held) -> sent -> succeeded (hold posted) | failed."""

    __tablename__ = "payment_withdrawal"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    reference: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    bank_card_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # What leaves the wallet; the customer receives amount_minor - fee_minor.
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    fee_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    hold_id: Mapped[str] = mapped_column(String(64), nullable=False)
    channel_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    channel_completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    recovery_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("channel", "channel_reference"),
        Index("ix_payment_withdrawal_user_id_id", "user_id", "id"),
        Index("ix_payment_withdrawal_channel_completed_at", "channel", "channel_completed_at"),
        Index("ix_payment_withdrawal_status_created_at", "status", "created_at"),
    )


class PaymentCallback(Base):
    """Every distinct notice a channel sent (or answered to a status query); the unique
    ``notice_key`` makes redelivery harmless (see ``finplat.payment.callbacks``)."""

    __tablename__ = "payment_callback"

    id: Mapped[IntPk]
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    channel_reference: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    merchant_reference: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # ``<status>:<channel reference>`` for the applied notice, a content digest for an anomaly
    # (NULL on rows stored before the key existed).
    notice_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # applied | anomaly | unknown_order
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        UniqueConstraint("channel", "notice_key", name="uq_payment_callback_notice"),
        Index("ix_payment_callback_outcome_id", "outcome", "id"),
    )


class PaymentReconciliationReport(Base):
    """One run of the daily reconciliation of a channel's statement against our records."""

    __tablename__ = "payment_reconciliation_report"

    id: Mapped[IntPk]
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # matched | mismatch
    matched_count: Mapped[int] = mapped_column(Integer, nullable=False)
    discrepancy_count: Mapped[int] = mapped_column(Integer, nullable=False)
    channel_total_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    platform_total_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        Index("ix_payment_reconciliation_report_business_date", "business_date", "channel"),
    )


class PaymentReconciliationItem(Base):
    """A discrepancy found by a reconciliation run (matched lines are only counted)."""

    __tablename__ = "payment_reconciliation_item"

    id: Mapped[IntPk]
    report_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("payment_reconciliation_report.id"), nullable=False, index=True
    )
    # missing_on_platform | missing_at_channel | amount_mismatch
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    transaction_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    merchant_reference: Mapped[str] = mapped_column(String(40), nullable=False)
    channel_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    platform_amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    channel_amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class PaymentSimulatorTransaction(Base):
    """The simulated channel's side of the books: what it settled, by its business date."""

    __tablename__ = "payment_simulator_transaction"

    id: Mapped[IntPk]
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    channel_reference: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    merchant_reference: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        Index("ix_payment_simulator_transaction_channel_business_date", "channel", "business_date"),
        Index("ix_payment_simulator_transaction_merchant_reference", "merchant_reference"),
    )
