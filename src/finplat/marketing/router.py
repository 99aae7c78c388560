"""Marketing HTTP API: admin campaigns and offers; a user's coupons, red packets and points."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import idempotency
from finplat.core.deps import ClockDep, DbDep, IdempotencyKeyDep, PageDep
from finplat.core.fields import MAX_ID
from finplat.core.idempotency import Outcome
from finplat.core.pagination import Page, cursor_id, encode_cursor
from finplat.core.problems import outcome_response
from finplat.identity.deps import CurrentUser, Principal, VerifiedUser, require_roles
from finplat.marketing import campaigns, claims, points, views
from finplat.marketing.schemas import (
    CampaignCreate,
    CampaignFund,
    CampaignOut,
    CouponClaim,
    CouponIssue,
    CouponOfferCreate,
    CouponOfferOut,
    CouponOut,
    PointsEntryOut,
    PointsOut,
    PointsPolicyCreate,
    PointsPolicyOut,
    PointsRedeem,
    RedPacketOut,
)

router = APIRouter(tags=["marketing"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]
CouponStaff = Annotated[Principal, Depends(require_roles("admin", "support"))]
CampaignId = Annotated[int, Path(gt=0, le=MAX_ID)]


def _funding_reference(campaign_id: int, admin_id: int, key: str) -> str:
    # The ledger's source id (at most 64 characters) must name this funding request once.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{campaign_id}:{admin_id}:{digest}"


def _page(items: list[Any], limit: int) -> dict[str, Any]:
    cursor = encode_cursor({"id": items[-1].id}) if len(items) == limit else None
    return {"items": items, "next_cursor": cursor}


@router.get("/admin/campaigns", response_model=Page[CampaignOut])
async def list_campaigns(_admin: Admin, db: DbDep, clock: ClockDep,
                         page: PageDep) -> dict[str, Any]:
    async with db.transaction(readonly=True) as session:
        rows = await campaigns.list_campaigns(session, limit=page.limit,
                                              before_id=cursor_id(page.cursor))
        items = await views.campaigns_out(session, rows, now=clock.now())
    return _page(items, page.limit)


@router.post("/admin/campaigns", status_code=201, response_model=CampaignOut)
async def create_campaign(body: CampaignCreate, admin: Admin, db: DbDep,
                          clock: ClockDep) -> CampaignOut:
    now = clock.now()

    async def work(session: AsyncSession) -> CampaignOut:
        campaign = await campaigns.create_campaign(
            session, name=body.name, starts_at=body.starts_at, ends_at=body.ends_at,
            red_packet_amount_minor=body.red_packet_amount_minor, actor_id=admin.user_id, now=now)
        return (await views.campaigns_out(session, [campaign], now=now))[0]

    return await db.run(work)


@router.post("/admin/campaigns/{campaign_id}/fund", response_model=CampaignOut)
async def fund_campaign(campaign_id: CampaignId, body: CampaignFund, admin: Admin, db: DbDep,
                        clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    now = clock.now()

    async def work(session: AsyncSession) -> Outcome:
        campaign = await campaigns.fund_campaign(
            session, campaign_id=campaign_id, amount_minor=body.amount_minor,
            actor_id=admin.user_id,
            funding_reference=_funding_reference(campaign_id, admin.user_id, key), now=now)
        out = (await views.campaigns_out(session, [campaign], now=now))[0]
        return Outcome(200, out.model_dump(mode="json"))

    return outcome_response(await idempotency.execute(
        db, scope=f"marketing.fund:{admin.user_id}", key=key,
        payload={"campaign_id": campaign_id, **body.model_dump()}, work=work, now=now))


@router.post("/admin/campaigns/{campaign_id}/close", response_model=CampaignOut)
async def close_campaign(campaign_id: CampaignId, admin: Admin, db: DbDep, clock: ClockDep,
                         key: IdempotencyKeyDep) -> JSONResponse:
    now = clock.now()

    async def work(session: AsyncSession) -> Outcome:
        campaign = await campaigns.close_campaign(session, campaign_id=campaign_id,
                                                  actor_id=admin.user_id, now=now)
        out = (await views.campaigns_out(session, [campaign], now=now))[0]
        return Outcome(200, out.model_dump(mode="json"))

    return outcome_response(await idempotency.execute(
        db, scope=f"marketing.close:{admin.user_id}", key=key,
        payload={"campaign_id": campaign_id}, work=work, now=now))


@router.post("/admin/campaigns/{campaign_id}/coupon-offers", status_code=201,
             response_model=CouponOfferOut)
async def create_offer(campaign_id: CampaignId, body: CouponOfferCreate, admin: Admin,
                       db: DbDep, clock: ClockDep) -> CouponOfferOut:
    now = clock.now()

    async def work(session: AsyncSession) -> CouponOfferOut:
        offer = await campaigns.create_offer(session, campaign_id=campaign_id,
                                             actor_id=admin.user_id, now=now, **body.model_dump())
        return views.offer_out(offer)

    return await db.run(work)


@router.post("/admin/coupons", status_code=201, response_model=CouponOut)
async def issue_coupon(body: CouponIssue, staff: CouponStaff, db: DbDep,
                       clock: ClockDep) -> CouponOut:
    now = clock.now()

    async def work(session: AsyncSession) -> CouponOut:
        coupon = await claims.issue_coupon(session, offer_id=body.offer_id, user_id=body.user_id,
                                           actor_id=staff.user_id, now=now)
        return views.coupon_out(coupon, now=now)

    return await db.run(work)


@router.get("/campaigns", response_model=Page[CampaignOut])
async def running_campaigns(_user: CurrentUser, db: DbDep, clock: ClockDep,
                            page: PageDep) -> dict[str, Any]:
    """Active campaigns with their offers, for users to pick what to claim."""
    async with db.transaction(readonly=True) as session:
        rows = await campaigns.list_campaigns(session, limit=page.limit, status="active",
                                              before_id=cursor_id(page.cursor))
        items = await views.campaigns_out(session, rows, now=clock.now())
    return _page(items, page.limit)


@router.get("/me/coupons", response_model=Page[CouponOut])
async def my_coupons(user: CurrentUser, db: DbDep, clock: ClockDep,
                     page: PageDep) -> dict[str, Any]:
    async with db.transaction(readonly=True) as session:
        rows = await claims.coupons_of(session, user_id=user.user_id, limit=page.limit,
                                       before_id=cursor_id(page.cursor))
    now = clock.now()
    return _page([views.coupon_out(row, now=now) for row in rows], page.limit)


@router.post("/me/coupons/claim", status_code=201, response_model=CouponOut)
async def claim_coupon(body: CouponClaim, user: VerifiedUser, db: DbDep,
                       clock: ClockDep) -> CouponOut:
    now = clock.now()

    async def work(session: AsyncSession) -> CouponOut:
        coupon = await claims.claim_coupon(session, offer_id=body.offer_id, user_id=user.user_id,
                                           now=now)
        return views.coupon_out(coupon, now=now)

    return await db.run(work)


@router.post("/me/campaigns/{campaign_id}/coupons/claim", status_code=201,
             response_model=list[CouponOut])
async def claim_campaign_coupons(campaign_id: CampaignId, user: VerifiedUser, db: DbDep,
                                 clock: ClockDep) -> list[CouponOut]:
    """Claim every claimable coupon of one campaign at once."""
    now = clock.now()

    async def work(session: AsyncSession) -> list[CouponOut]:
        coupons = await claims.claim_campaign_coupons(session, campaign_id=campaign_id,
                                                      user_id=user.user_id, now=now)
        return [views.coupon_out(coupon, now=now) for coupon in coupons]

    return await db.run(work)


@router.post("/me/red-packets/{campaign_id}/claim", status_code=201,
             response_model=RedPacketOut)
async def claim_red_packet(campaign_id: CampaignId, user: VerifiedUser, db: DbDep,
                           clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    now = clock.now()

    async def work(session: AsyncSession) -> Outcome:
        claim = await claims.claim_red_packet(session, user_id=user.user_id,
                                              campaign_id=campaign_id, now=now)
        out = RedPacketOut(campaign_id=campaign_id, amount_minor=claim.amount_minor,
                           claimed_at=claim.claimed_at)
        return Outcome(201, out.model_dump(mode="json"))

    return outcome_response(await idempotency.execute(
        db, scope=f"marketing.red_packet:{user.user_id}", key=key,
        payload={"campaign_id": campaign_id}, work=work, now=now))


@router.get("/me/points", response_model=PointsOut)
async def my_points(user: CurrentUser, db: DbDep, clock: ClockDep) -> PointsOut:
    async with db.transaction(readonly=True) as session:
        balance = await points.balance(session, user_id=user.user_id)
        rate = await points.points_per_yuan(session, now=clock.now())
        recent = await points.entries(session, user_id=user.user_id, limit=20, before_id=None)
    return views.points_out(balance, rate, recent)


@router.get("/me/points/entries", response_model=Page[PointsEntryOut])
async def my_points_entries(user: CurrentUser, db: DbDep, page: PageDep) -> dict[str, Any]:
    async with db.transaction(readonly=True) as session:
        rows = await points.entries(session, user_id=user.user_id, limit=page.limit,
                                    before_id=cursor_id(page.cursor))
    return _page([views.points_entry_out(row) for row in rows], page.limit)


@router.post("/admin/points-policy", status_code=201, response_model=PointsPolicyOut)
async def set_points_policy(body: PointsPolicyCreate, admin: Admin, db: DbDep,
                            clock: ClockDep) -> PointsPolicyOut:
    now = clock.now()

    async def work(session: AsyncSession) -> PointsPolicyOut:
        policy = await points.set_points_per_yuan(
            session, points_per_yuan=body.points_per_yuan, effective_at=body.effective_at,
            actor_id=admin.user_id, now=now)
        return PointsPolicyOut(id=policy.id,
                               points_per_yuan=views.rate_text(policy.points_per_yuan),
                               effective_at=policy.effective_at)

    return await db.run(work)


@router.post("/me/points/redeem", status_code=201, response_model=CouponOut)
async def redeem_points(body: PointsRedeem, user: VerifiedUser, db: DbDep, clock: ClockDep,
                        key: IdempotencyKeyDep) -> JSONResponse:
    now = clock.now()

    async def work(session: AsyncSession) -> Outcome:
        coupon = await claims.redeem_points(session, offer_id=body.offer_id,
                                            user_id=user.user_id, now=now)
        return Outcome(201, views.coupon_out(coupon, now=now).model_dump(mode="json"))

    return outcome_response(await idempotency.execute(
        db, scope=f"marketing.redeem:{user.user_id}", key=key, payload=body.model_dump(),
        work=work, now=now))
