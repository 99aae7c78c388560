"""Campaigns: create, fund, close (unspent budget returned), coupon offers. Staff use cases.

Each public function works in the caller's transaction (``session``); the router wraps
money-moving ones in an Idempotency-Key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.errors import Conflict
from finplat.core.money import CNY
from finplat.events import service as events_service
from finplat.marketing import budget, domain
from finplat.marketing.events import CampaignClosed, CampaignCreated
from finplat.marketing.models import Campaign, CouponOffer


async def get_campaign(session: AsyncSession, *, campaign_id: int, lock: str | None = None
                       ) -> Campaign:
    """The campaign, optionally row-locked: ``"share"`` for use cases that spend its budget
    (they run side by side), ``"update"`` for closing (which waits for them).

    Raises ``NotFound('marketing.campaign_not_found')``.
    """
    query = select(Campaign).where(Campaign.id == campaign_id)
    if lock is not None:
        query = query.with_for_update(read=lock == "share")
    campaign = await session.scalar(query.execution_options(populate_existing=True))
    if campaign is None:
        raise domain.not_found("campaign")
    return campaign


async def create_campaign(session: AsyncSession, *, name: str, starts_at: datetime,
                          ends_at: datetime, red_packet_amount_minor: int | None,
                          actor_id: int, now: datetime) -> Campaign:
    """A new active campaign with an empty budget account. Raises ``InvalidInput`` for an empty
    window."""
    domain.campaign_window(starts_at=starts_at, ends_at=ends_at)
    campaign = Campaign(name=name, status="active", currency=CNY, starts_at=starts_at,
                        ends_at=ends_at, red_packet_amount_minor=red_packet_amount_minor,
                        funded_minor=0, returned_minor=0, created_by=actor_id, created_at=now)
    session.add(campaign)
    await session.flush()
    campaign.budget_account_id = await budget.open_account(session, campaign_id=campaign.id,
                                                           now=now)
    await events_service.record(session, CampaignCreated(campaign_id=campaign.id),
                                target_type="campaign", target_id=campaign.id, now=now,
                                actor_id=actor_id,
                                summary={"name": name, "starts_at": starts_at.isoformat(),
                                         "ends_at": ends_at.isoformat(),
                                         "red_packet_amount_minor": red_packet_amount_minor})
    return campaign


async def fund_campaign(session: AsyncSession, *, campaign_id: int, amount_minor: int,
                        actor_id: int, funding_reference: str, now: datetime) -> Campaign:
    """Move ``amount_minor`` from marketing expense into the campaign's budget account.

    ``funding_reference`` names this funding once (the ledger refuses a second entry for it).
    Raises ``NotFound``, ``Conflict('marketing.campaign_closed')``.
    """
    campaign = await get_campaign(session, campaign_id=campaign_id, lock="update")
    if campaign.status != "active":
        raise Conflict("marketing.campaign_closed", "a closed campaign cannot be funded")
    await budget.fund(session, campaign=campaign, amount_minor=amount_minor,
                      source_id=funding_reference, now=now)
    campaign.funded_minor += amount_minor
    await audit_service.record(session, action="marketing.campaign_funded", target_type="campaign",
                               target_id=campaign.id, now=now, actor_id=actor_id,
                               summary={"amount_minor": amount_minor,
                                        "funded_minor": campaign.funded_minor})
    await session.flush()
    return campaign


async def close_campaign(session: AsyncSession, *, campaign_id: int, actor_id: int,
                         now: datetime) -> Campaign:
    """Close the campaign and return its unspent budget to marketing expense.

    Money held for coupons that orders have reserved stays held; whatever those holds give back
    later is returned as it frees up. Raises ``NotFound``,
    ``Conflict('marketing.campaign_closed')``.
    """
    campaign = await get_campaign(session, campaign_id=campaign_id, lock="update")
    if campaign.status != "active":
        raise Conflict("marketing.campaign_closed", "this campaign is already closed")
    campaign.status = "closed"
    campaign.closed_at = now
    returned = await budget.return_unspent(session, campaign=campaign, now=now)
    await events_service.record(session,
                                CampaignClosed(campaign_id=campaign.id, returned_minor=returned),
                                target_type="campaign", target_id=campaign.id, now=now,
                                actor_id=actor_id, summary={"returned_minor": returned})
    await session.flush()
    return campaign


async def create_offer(session: AsyncSession, *, campaign_id: int, name: str, kind: str,
                       cashback_minor: int, rate_boost_bps: int, rate_boost_cap_minor: int,
                       min_order_minor: int, valid_days: int, user_claimable: bool,
                       points_cost: int | None, actor_id: int, now: datetime) -> CouponOffer:
    """A coupon offer of an active campaign. Raises ``NotFound``, ``InvalidInput`` for a mixed
    or empty offer, ``Conflict('marketing.campaign_closed')``."""
    domain.offer_shape(kind=kind, cashback_minor=cashback_minor, rate_boost_bps=rate_boost_bps,
                       rate_boost_cap_minor=rate_boost_cap_minor)
    campaign = await get_campaign(session, campaign_id=campaign_id)
    if campaign.status != "active":
        raise Conflict("marketing.campaign_closed", "a closed campaign takes no new offers")
    offer = CouponOffer(campaign_id=campaign.id, name=name, kind=kind,
                        cashback_minor=cashback_minor, rate_boost_bps=rate_boost_bps,
                        rate_boost_cap_minor=rate_boost_cap_minor,
                        min_order_minor=min_order_minor, valid_days=valid_days,
                        user_claimable=user_claimable, points_cost=points_cost, created_at=now)
    session.add(offer)
    await session.flush()
    await audit_service.record(session, action="marketing.offer_created",
                               target_type="coupon_offer", target_id=offer.id, now=now,
                               actor_id=actor_id, summary={"campaign_id": campaign.id,
                                                           "kind": kind, "name": name})
    return offer


async def get_offer(session: AsyncSession, *, offer_id: int) -> CouponOffer:
    """Raises ``NotFound('marketing.coupon_offer_not_found')``."""
    offer = await session.get(CouponOffer, offer_id)
    if offer is None:
        raise domain.not_found("coupon_offer")
    return offer


async def list_campaigns(session: AsyncSession, *, limit: int, before_id: int | None,
                         status: str | None = None) -> list[Campaign]:
    query = select(Campaign)
    if before_id is not None:
        query = query.where(Campaign.id < before_id)
    if status is not None:
        query = query.where(Campaign.status == status)
    return list(await session.scalars(query.order_by(Campaign.id.desc()).limit(limit)))


async def offers_of(session: AsyncSession, *, campaign_ids: list[int]
                    ) -> dict[int, list[CouponOffer]]:
    grouped: dict[int, list[CouponOffer]] = {cid: [] for cid in campaign_ids}
    if not campaign_ids:
        return grouped
    rows = await session.scalars(
        select(CouponOffer).where(CouponOffer.campaign_id.in_(campaign_ids))
        .order_by(CouponOffer.id))
    for offer in rows:
        grouped[offer.campaign_id].append(offer)
    return grouped
