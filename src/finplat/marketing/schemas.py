"""Request and response bodies of the marketing API (separate from the ORM models)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from finplat.core.fields import MAX_ID, AmountMinor, AmountMinorOrZero, Instant, SingleLine

# Bounds far beyond any real campaign, coupon or order, small enough to catch typos.
MAX_CAMPAIGN_MINOR = 10_000_000_000  # 1亿 yuan
MAX_COUPON_MINOR = 100_000_000
MAX_ORDER_MINOR = 100_000_000_000


_DECIMAL_TEXT = re.compile(r"[0-9]+(\.[0-9]+)?")


def _ascii_decimal(value: object) -> object:
    # Decimal() also reads Arabic-Indic or full-width digits; a rate is written in ASCII.
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        raise ValueError('must be a decimal number such as "1.5"')
    return value


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CampaignCreate(_Body):
    name: SingleLine = Field(min_length=1, max_length=120)
    starts_at: Instant
    ends_at: Instant
    red_packet_amount_minor: Annotated[AmountMinor, Field(le=MAX_COUPON_MINOR)] | None = None


class CampaignFund(_Body):
    amount_minor: Annotated[AmountMinor, Field(le=MAX_CAMPAIGN_MINOR)]


class CouponOfferCreate(_Body):
    name: SingleLine = Field(min_length=1, max_length=120)
    kind: Literal["cashback", "rate_boost"]
    cashback_minor: Annotated[AmountMinorOrZero, Field(le=MAX_COUPON_MINOR)] = 0
    rate_boost_bps: int = Field(default=0, ge=0, le=1_000)
    rate_boost_cap_minor: Annotated[AmountMinorOrZero, Field(le=MAX_COUPON_MINOR)] = 0
    min_order_minor: Annotated[AmountMinorOrZero, Field(le=MAX_ORDER_MINOR)] = 0
    valid_days: int = Field(default=30, gt=0, le=366)
    user_claimable: bool = False
    points_cost: int | None = Field(default=None, gt=0, le=100_000_000)


class CouponIssue(_Body):
    offer_id: int = Field(gt=0, le=MAX_ID)
    user_id: int = Field(gt=0, le=MAX_ID)


class CouponClaim(_Body):
    offer_id: int = Field(gt=0, le=MAX_ID)


class PointsRedeem(_Body):
    offer_id: int = Field(gt=0, le=MAX_ID)


class PointsPolicyCreate(_Body):
    points_per_yuan: Annotated[Decimal, BeforeValidator(_ascii_decimal)] = Field(
        ge=0, le=1000, max_digits=12, decimal_places=4)
    effective_at: Instant


class PointsPolicyOut(BaseModel):
    id: int
    points_per_yuan: str
    effective_at: datetime


class CouponOfferOut(BaseModel):
    id: int
    campaign_id: int
    name: str
    kind: str
    cashback_minor: int
    rate_boost_bps: int
    rate_boost_cap_minor: int
    min_order_minor: int
    valid_days: int
    user_claimable: bool
    points_cost: int | None
    currency: str = "CNY"


class CampaignOut(BaseModel):
    id: int
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    red_packet_amount_minor: int | None
    funded_minor: int
    returned_minor: int
    available_minor: int
    reserved_minor: int
    spent_minor: int = Field(description="paid out to users: red packets, cash-backs, boosts")
    currency: str
    created_at: datetime
    closed_at: datetime | None
    offers: list[CouponOfferOut] = []


class CouponOut(BaseModel):
    id: int
    offer_id: int
    campaign_id: int
    kind: str
    cashback_minor: int
    rate_boost_bps: int
    rate_boost_cap_minor: int
    min_order_minor: int
    status: str
    source: str
    issued_at: datetime
    expires_at: datetime
    order_id: int | None
    currency: str = "CNY"


class RedPacketOut(BaseModel):
    campaign_id: int
    amount_minor: int
    currency: str = "CNY"
    claimed_at: datetime


class PointsEntryOut(BaseModel):
    id: int
    delta_points: int
    balance_after_points: int
    reason: str
    reference: str
    created_at: datetime


class PointsOut(BaseModel):
    balance_points: int
    earned_points: int
    spent_points: int
    points_per_yuan: str
    recent: list[PointsEntryOut]


class CouponCountsOut(BaseModel):
    """An offer's coupons by the state their holders see."""

    issued: int
    available: int
    reserved: int
    used: int = Field(description="used by an order that went through (cash-back paid or "
                      "rate boost running or paid)")
    expired: int
    paid_minor: int


class OfferReportOut(CouponOfferOut):
    coupons: CouponCountsOut


class CampaignReportOut(CampaignOut):
    offers: list[OfferReportOut] = []  # type: ignore[assignment]
    red_packets_claimed: int
    red_packets_paid_minor: int


class PointsRuleOut(BaseModel):
    id: int
    points_per_yuan: str
    effective_at: datetime
    created_at: datetime
    in_force: bool
    upcoming: bool


class MyRedPacketOut(BaseModel):
    id: int
    campaign_id: int
    campaign_name: str
    amount_minor: int
    currency: str = "CNY"
    claimed_at: datetime
