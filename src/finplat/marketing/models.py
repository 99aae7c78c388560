"""Marketing tables. Money lives in the ledger; these rows say who may claim or spend what."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, IntPk, UtcDateTime


class Campaign(Base):
    """A marketing campaign. Its budget is a ledger account (reference ``campaign:<id>``)."""

    __tablename__ = "marketing_campaign"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # active | closed
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    # The ledger account ``campaign_budget`` / ``campaign:<id>``, opened with the campaign (the
    # reference needs the id, hence nullable for the moment between the two inserts).
    budget_account_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    # Cash credited to each claimant's wallet; None when the campaign has no red packet.
    red_packet_amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    funded_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    returned_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window"),
        CheckConstraint("red_packet_amount_minor IS NULL OR red_packet_amount_minor > 0",
                        name="red_packet_positive"),
    )


class CouponOffer(Base):
    """A kind of coupon a campaign hands out: by staff, by a user's claim, or for points."""

    __tablename__ = "marketing_coupon_offer"

    id: Mapped[IntPk]
    campaign_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # cashback | rate_boost
    cashback_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    rate_boost_bps: Mapped[int] = mapped_column(Integer, nullable=False)
    # The most a rate boost can pay over the life of one order: what its reservation holds.
    rate_boost_cap_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    min_order_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    valid_days: Mapped[int] = mapped_column(Integer, nullable=False)
    user_claimable: Mapped[bool] = mapped_column(nullable=False)
    points_cost: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint("kind IN ('cashback', 'rate_boost')", name="kind"),
        CheckConstraint("cashback_minor >= 0 AND rate_boost_bps >= 0 AND rate_boost_cap_minor >= 0"
                        " AND min_order_minor >= 0 AND valid_days > 0", name="bounds"),
    )


class Coupon(Base):
    """One coupon held by one user; reserved by at most one order at a time."""

    __tablename__ = "marketing_coupon"

    id: Mapped[IntPk]
    offer_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    campaign_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    cashback_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    rate_boost_bps: Mapped[int] = mapped_column(Integer, nullable=False)
    rate_boost_cap_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    min_order_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # available -> reserved -> used (cash-back paid / rate boost running) -> settled (boost paid)
    # reserved -> available (order cancelled); available -> expired is derived from expires_at.
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)  # staff | claim | points
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    order_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    product_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    order_amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    hold_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    held_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reserved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (Index("ix_marketing_coupon_user", "user_id", "id"),)


class Claim(Base):
    """One row per (thing claimed, verified identity): the unique key is the abuse limit."""

    __tablename__ = "marketing_claim"

    id: Mapped[IntPk]
    # "red_packet:<campaign id>" or "coupon_offer:<offer id>"
    claim_key: Mapped[str] = mapped_column(String(64), nullable=False)
    identity_index: Mapped[str] = mapped_column(String(64), nullable=False)
    campaign_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    coupon_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("claim_key", "identity_index"),)


class PointsAccount(Base):
    """A user's points balance, kept equal to the sum of their entries (see ``points.verify``)."""

    __tablename__ = "marketing_points_account"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False, unique=True)
    balance_points: Mapped[int] = mapped_column(BigInteger, nullable=False)
    earned_points: Mapped[int] = mapped_column(BigInteger, nullable=False)
    spent_points: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint("balance_points >= 0", name="not_negative"),
        CheckConstraint("balance_points = earned_points - spent_points", name="balanced"),
    )


class PointsEntry(Base):
    """Append-only points journal; ``reference`` makes every award or redemption happen once."""

    __tablename__ = "marketing_points_entry"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    delta_points: Mapped[int] = mapped_column(BigInteger, nullable=False)
    balance_after_points: Mapped[int] = mapped_column(BigInteger, nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)  # investment | redemption
    reference: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint("delta_points <> 0", name="not_zero"),
        CheckConstraint("balance_after_points >= 0", name="not_negative"),
        Index("ix_marketing_points_entry_user", "user_id", "id"),
    )


class PointsPolicy(Base):
    """Points earned per yuan invested, from ``effective_at`` on (the latest in force wins)."""

    __tablename__ = "marketing_points_policy"

    id: Mapped[IntPk]
    points_per_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 4), nullable=False)
    effective_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, index=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (CheckConstraint("points_per_yuan >= 0", name="not_negative"),)
