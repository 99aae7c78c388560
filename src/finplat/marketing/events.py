"""The marketing package's events (``finplat.events.types``)."""

from __future__ import annotations

from finplat.events.types import DomainEvent


class CampaignCreated(DomainEvent):
    topic = "marketing.campaign_created"
    campaign_id: int


class CampaignClosed(DomainEvent):
    """A campaign ended; its unspent budget went back to marketing expense."""

    topic = "marketing.campaign_closed"
    campaign_id: int
    returned_minor: int


class RedPacketClaimed(DomainEvent):
    topic = "marketing.red_packet_claimed"
    campaign_id: int
    claim_id: int
    user_id: int
    amount_minor: int


class CouponIssued(DomainEvent):
    topic = "marketing.coupon_issued"
    coupon_id: int
    user_id: int
    offer_id: int
    source: str  # claim | staff | points


class CouponReserved(DomainEvent):
    """An order took the coupon; its most possible cost is held on the budget."""

    topic = "marketing.coupon_reserved"
    coupon_id: int
    order_id: int
    user_id: int


class CouponReleased(DomainEvent):
    """The order was cancelled or refunded: the coupon is usable again."""

    topic = "marketing.coupon_released"
    coupon_id: int
    order_id: int


class CouponUsed(DomainEvent):
    """The order's raise succeeded: a cash-back was paid (``paid_minor``), a rate boost waits."""

    topic = "marketing.coupon_used"
    coupon_id: int
    order_id: int
    user_id: int
    paid_minor: int


class RateBoostPaid(DomainEvent):
    topic = "marketing.rate_boost_paid"
    coupon_id: int
    order_id: int
    user_id: int
    paid_minor: int


class PointsUnbalanced(DomainEvent):
    """The daily check found the points journal out of balance (an anomaly, not a change)."""

    topic = "marketing.points_unbalanced"
    business_date: str
    problems: list[str]
