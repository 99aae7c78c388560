"""Read-side marketing figures: a campaign's coupons issued and used and its red packets, the
points rules over time, and a user's own red packets. Each function is one read transaction
returning the response body."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.pagination import Page, PageParams, page_of
from finplat.marketing import campaigns, views
from finplat.marketing.models import Campaign, Claim, Coupon, PointsPolicy
from finplat.marketing.schemas import (
    CampaignReportOut,
    CouponCountsOut,
    MyRedPacketOut,
    OfferReportOut,
    PointsRuleOut,
)

RED_PACKET_KEY = "red_packet:"


async def _coupon_counts(session: AsyncSession, *, campaign_id: int,
                         now: datetime) -> dict[int, CouponCountsOut]:
    """Per offer: coupons by the state a holder sees (an unused one past its time is expired)."""
    shown = case((and_(Coupon.status == "available", Coupon.expires_at <= now), "expired"),
                 else_=Coupon.status)
    rows = await session.execute(
        select(Coupon.offer_id, shown, func.count(), func.coalesce(func.sum(Coupon.paid_minor), 0))
        .where(Coupon.campaign_id == campaign_id)
        .group_by(Coupon.offer_id, shown))
    counts: dict[int, dict[str, int]] = {}
    for offer_id, status, count, paid in rows:
        offer = counts.setdefault(offer_id, {"paid_minor": 0})
        offer[status] = int(count)
        offer["paid_minor"] += int(paid)
    return {offer_id: CouponCountsOut(
        issued=sum(v for k, v in values.items() if k != "paid_minor"),
        available=values.get("available", 0), reserved=values.get("reserved", 0),
        used=values.get("used", 0) + values.get("settled", 0),
        expired=values.get("expired", 0), paid_minor=values["paid_minor"],
    ) for offer_id, values in counts.items()}


async def campaign_report(db: Database, *, campaign_id: int, now: datetime) -> CampaignReportOut:
    """A campaign with its budget figures, each offer's coupons issued and used, and the red
    packets claimed. Raises ``NotFound('marketing.campaign_not_found')``."""
    async with db.transaction(readonly=True) as session:
        campaign = await campaigns.get_campaign(session, campaign_id=campaign_id)
        out = (await views.campaigns_out(session, [campaign], now=now))[0]
        counts = await _coupon_counts(session, campaign_id=campaign_id, now=now)
        packets = (await session.execute(
            select(func.count(), func.coalesce(func.sum(Claim.amount_minor), 0))
            .where(Claim.campaign_id == campaign_id,
                   Claim.claim_key == f"{RED_PACKET_KEY}{campaign_id}"))).one()
    empty = CouponCountsOut(issued=0, available=0, reserved=0, used=0, expired=0, paid_minor=0)
    offers = [OfferReportOut(**offer.model_dump(), coupons=counts.get(offer.id, empty))
              for offer in out.offers]
    return CampaignReportOut(**out.model_dump(exclude={"offers"}), offers=offers,
                             red_packets_claimed=int(packets[0]),
                             red_packets_paid_minor=int(packets[1]))


async def points_rules_page(db: Database, *, page: PageParams,
                            now: datetime) -> Page[PointsRuleOut]:
    """Every earning rate set, newest first; ``in_force`` marks the one applying at ``now``
    (none: the configured default applies)."""
    async with db.transaction(readonly=True) as session:
        current = await session.scalar(
            select(PointsPolicy.id).where(PointsPolicy.effective_at <= now)
            .order_by(PointsPolicy.effective_at.desc(), PointsPolicy.id.desc()).limit(1))
        query = select(PointsPolicy)
        if page.last_id is not None:
            query = query.where(PointsPolicy.id < page.last_id)
        rows = list(await session.scalars(
            query.order_by(PointsPolicy.id.desc()).limit(page.fetch_limit)))
    return page_of(rows, page, item=lambda row: PointsRuleOut(
        id=row.id, points_per_yuan=views.rate_text(row.points_per_yuan),
        effective_at=row.effective_at, created_at=row.created_at,
        in_force=row.id == current, upcoming=row.effective_at > now))


async def my_red_packets_page(db: Database, *, user_id: int,
                              page: PageParams) -> Page[MyRedPacketOut]:
    """The red packets a user claimed, newest first, with their campaign's name."""
    async with db.transaction(readonly=True) as session:
        query = (select(Claim, Campaign.name)
                 .join(Campaign, Campaign.id == Claim.campaign_id)
                 .where(Claim.user_id == user_id,
                        Claim.claim_key.startswith(RED_PACKET_KEY, autoescape=True)))
        if page.last_id is not None:
            query = query.where(Claim.id < page.last_id)
        rows = (await session.execute(
            query.order_by(Claim.id.desc()).limit(page.fetch_limit))).all()
    return page_of(rows, page, position=lambda last: {"id": last[0].id}, item=lambda row: (
        MyRedPacketOut(id=row[0].id, campaign_id=row[0].campaign_id, campaign_name=row[1],
                       amount_minor=row[0].amount_minor, claimed_at=row[0].claimed_at)))
