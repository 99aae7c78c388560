"""ORM rows to response bodies (budget figures come from the ledger)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.marketing import budget, campaigns, domain
from finplat.marketing.models import Campaign, Coupon, CouponOffer, PointsEntry
from finplat.marketing.points import PointsBalance
from finplat.marketing.schemas import (
    CampaignOut,
    CouponOfferOut,
    CouponOut,
    PointsEntryOut,
    PointsOut,
)


def offer_out(offer: CouponOffer) -> CouponOfferOut:
    return CouponOfferOut(id=offer.id, campaign_id=offer.campaign_id, name=offer.name,
                          kind=offer.kind, cashback_minor=offer.cashback_minor,
                          rate_boost_bps=offer.rate_boost_bps,
                          rate_boost_cap_minor=offer.rate_boost_cap_minor,
                          min_order_minor=offer.min_order_minor, valid_days=offer.valid_days,
                          user_claimable=offer.user_claimable, points_cost=offer.points_cost)


async def campaigns_out(session: AsyncSession, rows: Sequence[Campaign], *,
                        now: datetime) -> list[CampaignOut]:
    offers = await campaigns.offers_of(session, campaign_ids=[row.id for row in rows])
    items = []
    for row in rows:
        figures = await budget.figures(session, campaign=row)
        items.append(CampaignOut(
            id=row.id, name=row.name, status=row.status, starts_at=row.starts_at,
            ends_at=row.ends_at, red_packet_amount_minor=row.red_packet_amount_minor,
            funded_minor=row.funded_minor, returned_minor=row.returned_minor,
            available_minor=figures.available_minor, reserved_minor=figures.held_minor,
            spent_minor=(row.funded_minor - row.returned_minor - figures.available_minor
                         - figures.held_minor),
            currency=row.currency, created_at=row.created_at, closed_at=row.closed_at,
            offers=[offer_out(offer) for offer in offers[row.id]]))
    return items


def coupon_out(coupon: Coupon, *, now: datetime) -> CouponOut:
    return CouponOut(id=coupon.id, offer_id=coupon.offer_id, campaign_id=coupon.campaign_id,
                     kind=coupon.kind, cashback_minor=coupon.cashback_minor,
                     rate_boost_bps=coupon.rate_boost_bps,
                     rate_boost_cap_minor=coupon.rate_boost_cap_minor,
                     min_order_minor=coupon.min_order_minor,
                     status=domain.display_status(status=coupon.status,
                                                  expires_at=coupon.expires_at, now=now),
                     source=coupon.source, issued_at=coupon.issued_at,
                     expires_at=coupon.expires_at, order_id=coupon.order_id)


def rate_text(rate: Decimal) -> str:
    """A rate as a plain decimal string, the same whichever database returned it."""
    return format(rate.normalize(), "f")


def points_entry_out(entry: PointsEntry) -> PointsEntryOut:
    return PointsEntryOut(id=entry.id, delta_points=entry.delta_points,
                          balance_after_points=entry.balance_after_points, reason=entry.reason,
                          reference=entry.reference, created_at=entry.created_at)


def points_out(balance: PointsBalance, rate: Decimal, recent: Sequence[PointsEntry]) -> PointsOut:
    return PointsOut(balance_points=balance.balance_points, earned_points=balance.earned_points,
                     spent_points=balance.spent_points, points_per_yuan=rate_text(rate),
                     recent=[points_entry_out(entry) for entry in recent])
