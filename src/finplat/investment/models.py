"""Investing tables: assessments, qualification declarations, orders, holdings, daily accruals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, BigId, EncryptedText, Instant, IntPk, UtcDateTime

# Order states. ``pending``: funds held while the product raises; ``confirmed``: the raise
# succeeded and the order became a holding; ``cancelled`` by the investor; ``refunded`` when
# the raise failed or the product was delisted.
ORDER_PENDING = "pending"
ORDER_CONFIRMED = "confirmed"
ORDER_CANCELLED = "cancelled"
ORDER_REFUNDED = "refunded"

# Holding states: earning yield, matured but the institution has not funded the payout yet,
# paid out.
HOLDING_ACCRUING = "accruing"
HOLDING_AWAITING_PAYOUT = "awaiting_payout"
HOLDING_PAID = "paid"


class Assessment(Base):
    """One completed questionnaire; the history is kept, the newest valid one counts."""

    __tablename__ = "investment_assessment"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    questionnaire_version: Mapped[str] = mapped_column(String(16), nullable=False)
    # The answers (JSON) say much about the investor's finances: encrypted at rest.
    answers: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    risk_level: Mapped[str] = mapped_column(String(2), nullable=False)
    assessed_at: Mapped[Instant]
    expires_at: Mapped[Instant]


class Qualification(Base):
    """An investor's declaration for qualified-investor products (资管新规); newest counts."""

    __tablename__ = "investment_qualification"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    # The declared figures (JSON: experience years and the asset and income amounts) are
    # personal financial data: encrypted at rest; only the outcome is kept in clear.
    declaration: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    qualified: Mapped[bool] = mapped_column(Boolean, nullable=False)
    declared_at: Mapped[Instant]


class Order(Base):
    __tablename__ = "investment_order"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    product_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    hold_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    coupon_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    coupon_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    cashback_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    rate_boost_bps: Mapped[int] = mapped_column(Integer, nullable=False)
    # The risk disclosure version the investor confirmed, and for a purchase above their
    # level the mismatch warning version and when they confirmed it.
    disclosure_version: Mapped[int] = mapped_column(Integer, nullable=False)
    investor_risk_level: Mapped[str] = mapped_column(String(2), nullable=False)
    risk_mismatch_acknowledged: Mapped[bool] = mapped_column(Boolean, nullable=False)
    risk_warning_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    risk_acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        Index("ix_investment_order_product_id_status", "product_id", "status"),
        Index("ix_investment_order_user_id_product_id", "user_id", "product_id"),
    )


class Holding(Base):
    __tablename__ = "investment_holding"

    id: Mapped[IntPk]
    order_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("investment_order.id"), nullable=False, unique=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    product_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    principal_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    annual_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    rate_boost_bps: Mapped[int] = mapped_column(Integer, nullable=False)
    value_date: Mapped[date] = mapped_column(Date, nullable=False)
    maturity_date: Mapped[date] = mapped_column(Date, nullable=False)
    term_days: Mapped[int] = mapped_column(Integer, nullable=False)
    accrued_days: Mapped[int] = mapped_column(Integer, nullable=False)
    accrued_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    payout_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    boost_paid_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]


class Accrual(Base):
    """The whole fen a holding earned on one run of the daily job (one row per business date)."""

    __tablename__ = "investment_accrual"

    id: Mapped[IntPk]
    holding_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("investment_holding.id"), nullable=False
    )
    product_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    days_before: Mapped[int] = mapped_column(Integer, nullable=False)
    days_after: Mapped[int] = mapped_column(Integer, nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[Instant]

    __table_args__ = (UniqueConstraint("holding_id", "business_date"),)
