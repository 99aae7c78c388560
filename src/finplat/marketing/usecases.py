"""The marketing use cases the HTTP API serves, each one transaction (money-moving ones through
``core.idempotency``) that returns the response body; the router only translates HTTP."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import idempotency
from finplat.core.db import Database
from finplat.core.idempotency import Outcome
from finplat.core.pagination import Page, PageParams, page_of
from finplat.marketing import campaigns, claims, points, views
from finplat.marketing.schemas import (
    CampaignOut,
    CouponOfferOut,
    CouponOut,
    PointsOut,
    PointsPolicyOut,
    RedPacketOut,
)

RECENT_POINTS_ENTRIES = 20


def _funding_reference(campaign_id: int, admin_id: int, key: str) -> str:
    # The ledger's source id (at most 64 characters) must name this funding request once.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{campaign_id}:{admin_id}:{digest}"


async def campaigns_page(db: Database, *, page: PageParams, status: str | None,
                         now: datetime) -> Page[CampaignOut]:
    """Campaigns newest first (``status="active"``: those users may claim from)."""
    async with db.transaction(readonly=True) as session:
        rows = await campaigns.list_campaigns(session, limit=page.fetch_limit,
                                              before_id=page.last_id, status=status)
        result = page_of(rows, page)
        result.items = await views.campaigns_out(session, result.items, now=now)
    return result


async def create_campaign(db: Database, *, name: str, starts_at: datetime, ends_at: datetime,
                          red_packet_amount_minor: int | None, actor_id: int,
                          now: datetime) -> CampaignOut:
    async def work(session: AsyncSession) -> CampaignOut:
        campaign = await campaigns.create_campaign(
            session, name=name, starts_at=starts_at, ends_at=ends_at,
            red_packet_amount_minor=red_packet_amount_minor, actor_id=actor_id, now=now)
        return (await views.campaigns_out(session, [campaign], now=now))[0]

    return await db.run(work)


async def fund_campaign(db: Database, *, campaign_id: int, amount_minor: int, actor_id: int,
                        key: str, now: datetime) -> Outcome:
    """Move ``amount_minor`` from marketing expense into the campaign's budget (idempotent)."""
    async def work(session: AsyncSession) -> Outcome:
        campaign = await campaigns.fund_campaign(
            session, campaign_id=campaign_id, amount_minor=amount_minor, actor_id=actor_id,
            funding_reference=_funding_reference(campaign_id, actor_id, key), now=now)
        out = (await views.campaigns_out(session, [campaign], now=now))[0]
        return Outcome(200, out.model_dump(mode="json"))

    return await idempotency.execute(
        db, scope=f"marketing.fund:{actor_id}", key=key,
        payload={"campaign_id": campaign_id, "amount_minor": amount_minor}, work=work, now=now)


async def close_campaign(db: Database, *, campaign_id: int, actor_id: int, key: str,
                         now: datetime) -> Outcome:
    """Close a campaign and return its unspent budget (idempotent)."""
    async def work(session: AsyncSession) -> Outcome:
        campaign = await campaigns.close_campaign(session, campaign_id=campaign_id,
                                                  actor_id=actor_id, now=now)
        out = (await views.campaigns_out(session, [campaign], now=now))[0]
        return Outcome(200, out.model_dump(mode="json"))

    return await idempotency.execute(
        db, scope=f"marketing.close:{actor_id}", key=key, payload={"campaign_id": campaign_id},
        work=work, now=now)


async def create_offer(db: Database, *, campaign_id: int, actor_id: int, now: datetime,
                       terms: dict[str, Any]) -> CouponOfferOut:
    async def work(session: AsyncSession) -> CouponOfferOut:
        offer = await campaigns.create_offer(session, campaign_id=campaign_id,
                                             actor_id=actor_id, now=now, **terms)
        return views.offer_out(offer)

    return await db.run(work)


async def issue_coupon(db: Database, *, offer_id: int, user_id: int, actor_id: int,
                       now: datetime) -> CouponOut:
    async def work(session: AsyncSession) -> CouponOut:
        coupon = await claims.issue_coupon(session, offer_id=offer_id, user_id=user_id,
                                           actor_id=actor_id, now=now)
        return views.coupon_out(coupon, now=now)

    return await db.run(work)


async def coupons_page(db: Database, *, user_id: int, page: PageParams,
                       now: datetime) -> Page[CouponOut]:
    async with db.transaction(readonly=True) as session:
        rows = await claims.coupons_of(session, user_id=user_id, limit=page.fetch_limit,
                                       before_id=page.last_id)
    return page_of(rows, page, item=lambda row: views.coupon_out(row, now=now))


async def claim_coupon(db: Database, *, offer_id: int, user_id: int, now: datetime) -> CouponOut:
    async def work(session: AsyncSession) -> CouponOut:
        coupon = await claims.claim_coupon(session, offer_id=offer_id, user_id=user_id, now=now)
        return views.coupon_out(coupon, now=now)

    return await db.run(work)


async def claim_campaign_coupons(db: Database, *, campaign_id: int, user_id: int,
                                 now: datetime) -> list[CouponOut]:
    async def work(session: AsyncSession) -> list[CouponOut]:
        coupons = await claims.claim_campaign_coupons(session, campaign_id=campaign_id,
                                                      user_id=user_id, now=now)
        return [views.coupon_out(coupon, now=now) for coupon in coupons]

    return await db.run(work)


async def claim_red_packet(db: Database, *, campaign_id: int, user_id: int, key: str,
                           now: datetime) -> Outcome:
    """The campaign's red packet into the wallet, once per identity (idempotent)."""
    async def work(session: AsyncSession) -> Outcome:
        claim = await claims.claim_red_packet(session, user_id=user_id, campaign_id=campaign_id,
                                              now=now)
        out = RedPacketOut(campaign_id=campaign_id, amount_minor=claim.amount_minor,
                           claimed_at=claim.claimed_at)
        return Outcome(201, out.model_dump(mode="json"))

    return await idempotency.execute(
        db, scope=f"marketing.red_packet:{user_id}", key=key,
        payload={"campaign_id": campaign_id}, work=work, now=now)


async def points_summary(db: Database, *, user_id: int, now: datetime) -> PointsOut:
    """The balance, the earning rate in force and the latest entries."""
    async with db.transaction(readonly=True) as session:
        balance = await points.balance(session, user_id=user_id)
        rate = await points.points_per_yuan(session, now=now)
        recent = await points.entries(session, user_id=user_id, limit=RECENT_POINTS_ENTRIES,
                                      before_id=None)
    return views.points_out(balance, rate, recent)


async def points_entries_page(db: Database, *, user_id: int, page: PageParams) -> Page[Any]:
    async with db.transaction(readonly=True) as session:
        rows = await points.entries(session, user_id=user_id, limit=page.fetch_limit,
                                    before_id=page.last_id)
    return page_of(rows, page, item=views.points_entry_out)


async def set_points_policy(db: Database, *, points_per_yuan: Decimal, effective_at: datetime,
                            actor_id: int, now: datetime) -> PointsPolicyOut:
    async def work(session: AsyncSession) -> PointsPolicyOut:
        policy = await points.set_points_per_yuan(
            session, points_per_yuan=points_per_yuan, effective_at=effective_at,
            actor_id=actor_id, now=now)
        return PointsPolicyOut(id=policy.id,
                               points_per_yuan=views.rate_text(policy.points_per_yuan),
                               effective_at=policy.effective_at)

    return await db.run(work)


async def redeem_points(db: Database, *, offer_id: int, user_id: int, key: str,
                        now: datetime) -> Outcome:
    """Spend points on an offer's coupon (idempotent)."""
    async def work(session: AsyncSession) -> Outcome:
        coupon = await claims.redeem_points(session, offer_id=offer_id, user_id=user_id, now=now)
        return Outcome(201, views.coupon_out(coupon, now=now).model_dump(mode="json"))

    return await idempotency.execute(
        db, scope=f"marketing.redeem:{user_id}", key=key, payload={"offer_id": offer_id},
        work=work, now=now)
