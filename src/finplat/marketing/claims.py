"""What users receive: red packets, claimed or staff-issued coupons, coupons bought with points.

Abuse limit: each thing is claimable once per verified identity (the blind index of the ID
number, not the login), enforced by a unique key on ``marketing_claim`` so concurrent claims by
two accounts of one person cannot both pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import Conflict, Forbidden
from finplat.events import service as events_service
from finplat.identity import queries as identity_queries
from finplat.marketing import budget, campaigns, domain, points
from finplat.marketing.events import CouponIssued, RedPacketClaimed
from finplat.marketing.models import Claim, Coupon, CouponOffer


async def _identity_index(session: AsyncSession, user_id: int) -> str:
    index = await identity_queries.identity_index_of(session, user_id)
    if index is None:
        raise Forbidden("identity.kyc_required", "real-name verification is required first")
    return index


async def _record_claim(session: AsyncSession, *, claim_key: str, user_id: int, campaign_id: int,
                        amount_minor: int, now: datetime) -> Claim:
    identity_index = await _identity_index(session, user_id)
    taken = await session.scalar(select(Claim.id).where(Claim.claim_key == claim_key,
                                                        Claim.identity_index == identity_index))
    if taken is not None:
        raise Conflict("marketing.already_claimed", "this identity has already claimed this")
    claim = Claim(claim_key=claim_key, identity_index=identity_index, campaign_id=campaign_id,
                  user_id=user_id, amount_minor=amount_minor, claimed_at=now)
    try:
        async with session.begin_nested():
            session.add(claim)
    except IntegrityError:
        # A concurrent claim by the same identity (perhaps another login) committed first.
        raise Conflict("marketing.already_claimed",
                       "this identity has already claimed this") from None
    return claim


async def claim_red_packet(session: AsyncSession, *, user_id: int, campaign_id: int,
                           now: datetime) -> Claim:
    """Pay the campaign's red packet into the user's wallet, once per verified identity.

    Raises ``NotFound`` (no such campaign, or one without a red packet),
    ``Conflict('marketing.campaign_closed' | 'marketing.campaign_not_open' |
    'marketing.already_claimed' | 'marketing.budget_exhausted')``,
    ``Forbidden('identity.kyc_required')``.
    """
    campaign = await campaigns.get_campaign(session, campaign_id=campaign_id, lock="share")
    amount = campaign.red_packet_amount_minor
    if amount is None:
        raise domain.not_found("red_packet")
    domain.require_campaign_open(status=campaign.status, starts_at=campaign.starts_at,
                                 ends_at=campaign.ends_at, now=now)
    claim = await _record_claim(session, claim_key=f"red_packet:{campaign.id}", user_id=user_id,
                                campaign_id=campaign.id, amount_minor=amount, now=now)
    await budget.pay(session, campaign=campaign, user_id=user_id, amount_minor=amount,
                     source_type="marketing_red_packet", source_id=str(claim.id), now=now)
    event = RedPacketClaimed(campaign_id=campaign.id, claim_id=claim.id, user_id=user_id,
                             amount_minor=amount)
    await events_service.record(session, event,
                                target_type="campaign", target_id=campaign.id, now=now,
                                actor_id=user_id, summary={"amount_minor": amount,
                                                           "claim_id": claim.id})
    return claim


async def _issue(session: AsyncSession, *, offer: CouponOffer, user_id: int, source: str,
                 now: datetime, actor_id: int | None = None) -> Coupon:
    """A new coupon, audited (by ``actor_id`` for staff, else by the user) with its event."""
    coupon = Coupon(offer_id=offer.id, campaign_id=offer.campaign_id, user_id=user_id,
                    kind=offer.kind, cashback_minor=offer.cashback_minor,
                    rate_boost_bps=offer.rate_boost_bps,
                    rate_boost_cap_minor=offer.rate_boost_cap_minor,
                    min_order_minor=offer.min_order_minor, status="available", source=source,
                    issued_at=now, expires_at=now + timedelta(days=offer.valid_days),
                    held_minor=0, paid_minor=0)
    session.add(coupon)
    await session.flush()
    await events_service.record(session, CouponIssued(coupon_id=coupon.id, user_id=user_id,
                                                      offer_id=offer.id, source=source),
                                target_type="coupon", target_id=coupon.id, now=now,
                                actor_id=user_id if actor_id is None else actor_id)
    return coupon


async def _open_offer(session: AsyncSession, *, offer_id: int, now: datetime) -> CouponOffer:
    offer = await campaigns.get_offer(session, offer_id=offer_id)
    campaign = await campaigns.get_campaign(session, campaign_id=offer.campaign_id)
    domain.require_campaign_open(status=campaign.status, starts_at=campaign.starts_at,
                                 ends_at=campaign.ends_at, now=now)
    return offer


async def issue_coupon(session: AsyncSession, *, offer_id: int, user_id: int, actor_id: int,
                       now: datetime) -> Coupon:
    """Staff give ``user_id`` a coupon of ``offer_id`` (audited). Raises ``NotFound`` for the
    offer or the user, ``Conflict`` when the campaign is not running."""
    offer = await _open_offer(session, offer_id=offer_id, now=now)
    await identity_queries.user_summary(session, user_id, now=now)
    coupon = await _issue(session, offer=offer, user_id=user_id, source="staff", now=now,
                          actor_id=actor_id)
    return coupon


async def claim_coupon(session: AsyncSession, *, offer_id: int, user_id: int,
                       now: datetime) -> Coupon:
    """A user claims a claimable offer, once per verified identity.

    Raises ``NotFound`` (also for offers that are not claimable), ``Conflict`` (campaign not
    running, ``marketing.already_claimed``), ``Forbidden('identity.kyc_required')``.
    """
    offer = await _open_offer(session, offer_id=offer_id, now=now)
    if not offer.user_claimable:
        raise domain.not_found("coupon_offer")
    claim = await _record_claim(session, claim_key=f"coupon_offer:{offer.id}", user_id=user_id,
                                campaign_id=offer.campaign_id, amount_minor=0, now=now)
    coupon = await _issue(session, offer=offer, user_id=user_id, source="claim", now=now)
    claim.coupon_id = coupon.id
    await session.flush()
    return coupon


async def claim_campaign_coupons(session: AsyncSession, *, campaign_id: int, user_id: int,
                                 now: datetime) -> list[Coupon]:
    """Claim every user-claimable offer of a running campaign not yet claimed by this identity.

    Raises ``NotFound``, ``Conflict`` (campaign not running; ``marketing.already_claimed`` when
    nothing is left to claim), ``Forbidden('identity.kyc_required')``.
    """
    campaign = await campaigns.get_campaign(session, campaign_id=campaign_id)
    domain.require_campaign_open(status=campaign.status, starts_at=campaign.starts_at,
                                 ends_at=campaign.ends_at, now=now)
    identity_index = await _identity_index(session, user_id)
    claimed = set(await session.scalars(select(Claim.claim_key).where(
        Claim.campaign_id == campaign.id, Claim.identity_index == identity_index)))
    offers = (await campaigns.offers_of(session, campaign_ids=[campaign.id]))[campaign.id]
    coupons = []
    for offer in offers:
        if offer.user_claimable and f"coupon_offer:{offer.id}" not in claimed:
            coupons.append(await claim_coupon(session, offer_id=offer.id, user_id=user_id,
                                              now=now))
    if not coupons:
        raise Conflict("marketing.already_claimed", "nothing left to claim in this campaign")
    return coupons


async def redeem_points(session: AsyncSession, *, offer_id: int, user_id: int,
                        now: datetime) -> Coupon:
    """Spend the offer's points cost on one coupon of it.

    Raises ``NotFound`` (also for offers not sold for points), ``Conflict`` (campaign not
    running, ``marketing.insufficient_points``).
    """
    offer = await _open_offer(session, offer_id=offer_id, now=now)
    if offer.points_cost is None:
        raise domain.not_found("coupon_offer")
    coupon = await _issue(session, offer=offer, user_id=user_id, source="points", now=now)
    await points.spend(session, user_id=user_id, points=offer.points_cost, reason="redemption",
                       reference=f"coupon:{coupon.id}", now=now)
    return coupon


async def coupons_of(session: AsyncSession, *, user_id: int, limit: int,
                     before_id: int | None) -> list[Coupon]:
    query = select(Coupon).where(Coupon.user_id == user_id)
    if before_id is not None:
        query = query.where(Coupon.id < before_id)
    return list(await session.scalars(query.order_by(Coupon.id.desc()).limit(limit)))
