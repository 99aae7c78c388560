"""Product tables: the catalogue row (terms, life-cycle state, what was sold) and versioned
disclosures."""

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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, BigId, Instant, IntPk, UtcDateTime

DISCLOSURE = "disclosure"
RISK_DISCLOSURE = "risk_disclosure"
# The product-specific warning an investor confirms to buy above their risk level.
MISMATCH_WARNING = "mismatch_warning"
DISCLOSURE_KINDS = (DISCLOSURE, RISK_DISCLOSURE, MISMATCH_WARNING)


class Product(Base):
    __tablename__ = "product_product"

    id: Mapped[IntPk]
    institution_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    created_by_user_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    product_type: Mapped[str] = mapped_column(String(16), nullable=False)
    risk_level: Mapped[str] = mapped_column(String(2), nullable=False)
    # Canonical fixed-scale decimal text ("0.049000"): exact, and text order is numeric order.
    annual_rate: Mapped[str] = mapped_column(String(16), nullable=False)
    term_days: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    min_amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    step_amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_per_investor_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    raise_target_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    raise_cap_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    raise_start_at: Mapped[Instant]
    raise_end_at: Mapped[Instant]
    yield_start_rule: Mapped[str] = mapped_column(String(32), nullable=False)
    qualified_only: Mapped[bool] = mapped_column(Boolean, nullable=False)

    status: Mapped[str] = mapped_column(String(16), nullable=False)
    sold_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    order_count: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reviewed_by_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    review_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    raise_closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    delisted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    value_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    maturity_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Every order posted to escrow (raised) or refunded (failed, delisted).
    orders_settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The raised money moved on from escrow to the institution's settlement account.
    funds_transferred_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The first time a maturity payout found the settlement account short.
    payout_alerted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    matured_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]

    __table_args__ = (Index("ix_product_product_status_raise_end_at", "status", "raise_end_at"),)


class ProductDisclosure(Base):
    """One version of one disclosure text; a new text is a new version, never an edit."""

    __tablename__ = "product_disclosure"

    id: Mapped[IntPk]
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("product_product.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_by_user_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[Instant]

    __table_args__ = (UniqueConstraint("product_id", "kind", "version"),)
