"""Marketing HTTP API: admin campaigns and offers; a user's coupons, red packets and points."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from finplat.core.deps import ClockDep, DbDep, IdempotencyKeyDep, PageDep
from finplat.core.fields import MAX_ID
from finplat.core.pagination import Page
from finplat.core.problems import outcome_response
from finplat.identity.deps import CurrentUser, Principal, VerifiedUser, require_roles
from finplat.marketing import reports, usecases
from finplat.marketing.schemas import (
    CampaignCreate,
    CampaignFund,
    CampaignOut,
    CampaignReportOut,
    CouponClaim,
    CouponIssue,
    CouponOfferCreate,
    CouponOfferOut,
    CouponOut,
    MyRedPacketOut,
    PointsEntryOut,
    PointsOut,
    PointsPolicyCreate,
    PointsPolicyOut,
    PointsRedeem,
    PointsRuleOut,
    RedPacketOut,
)

router = APIRouter(tags=["marketing"])
# Campaigns, their offers and the points rules are run by marketing staff (and admins); the
# figures are also open to auditors.
MARKETERS = ("admin", "marketing")
Admin = Annotated[Principal, Depends(require_roles(*MARKETERS))]
MarketingReader = Annotated[Principal, Depends(require_roles(*MARKETERS, "auditor"))]
CouponStaff = Annotated[Principal, Depends(require_roles(*MARKETERS, "support"))]
CampaignId = Annotated[int, Path(gt=0, le=MAX_ID)]


@router.get("/admin/campaigns", response_model=Page[CampaignOut])
async def list_campaigns(_staff: MarketingReader, db: DbDep, clock: ClockDep,
                         page: PageDep) -> Page[CampaignOut]:
    return await usecases.campaigns_page(db, page=page, status=None, now=clock.now())


@router.get("/admin/campaigns/{campaign_id}", response_model=CampaignReportOut)
async def campaign_report(campaign_id: CampaignId, _staff: MarketingReader, db: DbDep,
                          clock: ClockDep) -> CampaignReportOut:
    """A campaign's budget and spend, each offer's coupons issued and used, its red packets."""
    return await reports.campaign_report(db, campaign_id=campaign_id, now=clock.now())


@router.post("/admin/campaigns", status_code=201, response_model=CampaignOut)
async def create_campaign(body: CampaignCreate, admin: Admin, db: DbDep,
                          clock: ClockDep) -> CampaignOut:
    return await usecases.create_campaign(
        db, name=body.name, starts_at=body.starts_at, ends_at=body.ends_at,
        red_packet_amount_minor=body.red_packet_amount_minor, actor_id=admin.user_id,
        now=clock.now())


@router.post("/admin/campaigns/{campaign_id}/fund", response_model=CampaignOut)
async def fund_campaign(campaign_id: CampaignId, body: CampaignFund, admin: Admin, db: DbDep,
                        clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    return outcome_response(await usecases.fund_campaign(
        db, campaign_id=campaign_id, amount_minor=body.amount_minor, actor_id=admin.user_id,
        key=key, now=clock.now()))


@router.post("/admin/campaigns/{campaign_id}/close", response_model=CampaignOut)
async def close_campaign(campaign_id: CampaignId, admin: Admin, db: DbDep, clock: ClockDep,
                         key: IdempotencyKeyDep) -> JSONResponse:
    return outcome_response(await usecases.close_campaign(
        db, campaign_id=campaign_id, actor_id=admin.user_id, key=key, now=clock.now()))


@router.post("/admin/campaigns/{campaign_id}/coupon-offers", status_code=201,
             response_model=CouponOfferOut)
async def create_offer(campaign_id: CampaignId, body: CouponOfferCreate, admin: Admin,
                       db: DbDep, clock: ClockDep) -> CouponOfferOut:
    return await usecases.create_offer(db, campaign_id=campaign_id, actor_id=admin.user_id,
                                       now=clock.now(), terms=body.model_dump())


@router.post("/admin/coupons", status_code=201, response_model=CouponOut)
async def issue_coupon(body: CouponIssue, staff: CouponStaff, db: DbDep,
                       clock: ClockDep) -> CouponOut:
    return await usecases.issue_coupon(db, offer_id=body.offer_id, user_id=body.user_id,
                                       actor_id=staff.user_id, now=clock.now())


@router.get("/campaigns", response_model=Page[CampaignOut])
async def running_campaigns(_user: CurrentUser, db: DbDep, clock: ClockDep,
                            page: PageDep) -> Page[CampaignOut]:
    """Active campaigns with their offers, for users to pick what to claim."""
    return await usecases.campaigns_page(db, page=page, status="active", now=clock.now())


@router.get("/me/coupons", response_model=Page[CouponOut])
async def my_coupons(user: CurrentUser, db: DbDep, clock: ClockDep,
                     page: PageDep) -> Page[CouponOut]:
    return await usecases.coupons_page(db, user_id=user.user_id, page=page, now=clock.now())


@router.post("/me/coupons/claim", status_code=201, response_model=CouponOut)
async def claim_coupon(body: CouponClaim, user: VerifiedUser, db: DbDep,
                       clock: ClockDep) -> CouponOut:
    return await usecases.claim_coupon(db, offer_id=body.offer_id, user_id=user.user_id,
                                       now=clock.now())


@router.post("/me/campaigns/{campaign_id}/coupons/claim", status_code=201,
             response_model=list[CouponOut])
async def claim_campaign_coupons(campaign_id: CampaignId, user: VerifiedUser, db: DbDep,
                                 clock: ClockDep) -> list[CouponOut]:
    """Claim every claimable coupon of one campaign at once."""
    return await usecases.claim_campaign_coupons(db, campaign_id=campaign_id,
                                                 user_id=user.user_id, now=clock.now())


@router.post("/me/red-packets/{campaign_id}/claim", status_code=201,
             response_model=RedPacketOut)
async def claim_red_packet(campaign_id: CampaignId, user: VerifiedUser, db: DbDep,
                           clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    return outcome_response(await usecases.claim_red_packet(
        db, campaign_id=campaign_id, user_id=user.user_id, key=key, now=clock.now()))


@router.get("/me/points", response_model=PointsOut)
async def my_points(user: CurrentUser, db: DbDep, clock: ClockDep) -> PointsOut:
    return await usecases.points_summary(db, user_id=user.user_id, now=clock.now())


@router.get("/me/points/entries", response_model=Page[PointsEntryOut])
async def my_points_entries(user: CurrentUser, db: DbDep, page: PageDep) -> Page[Any]:
    return await usecases.points_entries_page(db, user_id=user.user_id, page=page)


@router.get("/admin/points-policy", response_model=Page[PointsRuleOut])
async def points_rules(_staff: MarketingReader, db: DbDep, clock: ClockDep,
                       page: PageDep) -> Page[PointsRuleOut]:
    """Every earning rate set, newest first, marking the one in force and those to come."""
    return await reports.points_rules_page(db, page=page, now=clock.now())


@router.get("/me/red-packets", response_model=Page[MyRedPacketOut])
async def my_red_packets(user: CurrentUser, db: DbDep, page: PageDep) -> Page[MyRedPacketOut]:
    return await reports.my_red_packets_page(db, user_id=user.user_id, page=page)


@router.post("/admin/points-policy", status_code=201, response_model=PointsPolicyOut)
async def set_points_policy(body: PointsPolicyCreate, admin: Admin, db: DbDep,
                            clock: ClockDep) -> PointsPolicyOut:
    return await usecases.set_points_policy(
        db, points_per_yuan=body.points_per_yuan, effective_at=body.effective_at,
        actor_id=admin.user_id, now=clock.now())


@router.post("/me/points/redeem", status_code=201, response_model=CouponOut)
async def redeem_points(body: PointsRedeem, user: VerifiedUser, db: DbDep, clock: ClockDep,
                        key: IdempotencyKeyDep) -> JSONResponse:
    return outcome_response(await usecases.redeem_points(
        db, offer_id=body.offer_id, user_id=user.user_id, key=key, now=clock.now()))
