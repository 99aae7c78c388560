"""Demo marketing: a funded new-user campaign with a claimable red packet and coupon offers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.demo import DemoContext
from finplat.marketing import campaigns, claims

CAMPAIGN_BUDGET_MINOR = 1_000_000  # ¥10,000
RED_PACKET_MINOR = 888  # ¥8.88
_OFFERS: tuple[dict[str, Any], ...] = (
    {"name": "满1000返10", "kind": "cashback", "cashback_minor": 1_000, "rate_boost_bps": 0,
     "rate_boost_cap_minor": 0, "min_order_minor": 100_000, "valid_days": 30,
     "user_claimable": True, "points_cost": None},
    {"name": "加息0.5%（最高50元）", "kind": "rate_boost", "cashback_minor": 0,
     "rate_boost_bps": 50, "rate_boost_cap_minor": 5_000, "min_order_minor": 500_000,
     "valid_days": 30, "user_claimable": True, "points_cost": None},
    {"name": "500积分换5元返现", "kind": "cashback", "cashback_minor": 500, "rate_boost_bps": 0,
     "rate_boost_cap_minor": 0, "min_order_minor": 50_000, "valid_days": 60,
     "user_claimable": False, "points_cost": 500},
)


def _login_of_role(ctx: DemoContext, role: str) -> tuple[str, int] | None:
    for login, info in ctx.logins.items():
        if info.get("role") == role:
            return login, int(info["user_id"])
    return None


async def seed(ctx: DemoContext) -> None:
    now = ctx.clock.now()
    admin = _login_of_role(ctx, "admin")
    investor = _login_of_role(ctx, "investor")
    actor_id = admin[1] if admin else 0

    async def work(session: AsyncSession) -> int:
        campaign = await campaigns.create_campaign(
            session, name="新人开门红", starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=30), red_packet_amount_minor=RED_PACKET_MINOR,
            actor_id=actor_id, now=now)
        await campaigns.fund_campaign(session, campaign_id=campaign.id,
                                      amount_minor=CAMPAIGN_BUDGET_MINOR, actor_id=actor_id,
                                      funding_reference=f"demo:{campaign.id}", now=now)
        offer_ids = []
        for offer in _OFFERS:
            created = await campaigns.create_offer(session, campaign_id=campaign.id,
                                                   actor_id=actor_id, now=now, **offer)
            offer_ids.append(created.id)
        if investor is not None:
            await claims.issue_coupon(session, offer_id=offer_ids[0], user_id=investor[1],
                                      actor_id=actor_id, now=now)
        return campaign.id

    campaign_id = await ctx.db.run(work)
    who = f" ({investor[0]} already holds a ¥10 cash-back coupon)" if investor else ""
    ctx.notes.append(
        f"Marketing: campaign {campaign_id} has a ¥8.88 red packet to claim "
        f"(POST /api/v1/me/red-packets/{campaign_id}/claim) and coupons at "
        f"GET /api/v1/campaigns{who}.")
