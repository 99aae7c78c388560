"""Helpers for the marketing tests: a funded campaign with a red packet and coupon offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from finplat.core.db import Database
from finplat.ledger import service as ledger_service
from finplat.marketing import campaigns


@dataclass
class CampaignSetup:
    campaign_id: int
    admin_id: int


async def make_campaign(db: Database, *, now: datetime, budget_minor: int,
                        red_packet_minor: int | None = 888, admin_id: int = 1,
                        days: int = 7) -> int:
    async def work(session) -> int:  # type: ignore[no-untyped-def]
        campaign = await campaigns.create_campaign(
            session, name="春节红包", starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=days), red_packet_amount_minor=red_packet_minor,
            actor_id=admin_id, now=now)
        if budget_minor:
            await campaigns.fund_campaign(session, campaign_id=campaign.id,
                                          amount_minor=budget_minor, actor_id=admin_id,
                                          funding_reference=f"test:{campaign.id}", now=now)
        return campaign.id

    return await db.run(work)


async def make_offer(db: Database, *, now: datetime, campaign_id: int, kind: str = "cashback",
                     cashback_minor: int = 1_000, rate_boost_bps: int = 0,
                     rate_boost_cap_minor: int = 0, min_order_minor: int = 100_000,
                     user_claimable: bool = True, points_cost: int | None = None,
                     valid_days: int = 30) -> int:
    async def work(session) -> int:  # type: ignore[no-untyped-def]
        offer = await campaigns.create_offer(
            session, campaign_id=campaign_id, name="满1000返10", kind=kind,
            cashback_minor=cashback_minor, rate_boost_bps=rate_boost_bps,
            rate_boost_cap_minor=rate_boost_cap_minor, min_order_minor=min_order_minor,
            valid_days=valid_days, user_claimable=user_claimable, points_cost=points_cost,
            actor_id=1, now=now)
        return offer.id

    return await db.run(work)


async def wallet_minor(db: Database, user_id: int) -> int:
    async with db.transaction(readonly=True) as session:
        wallet = await ledger_service.wallet_of(session, user_id)
        assert wallet is not None
        return (await ledger_service.balance(session, account_id=wallet)).balance.amount_minor


async def budget_figures(db: Database, campaign_id: int) -> tuple[int, int]:
    """(available, held) of the campaign budget."""
    from finplat.marketing import budget

    async with db.transaction(readonly=True) as session:
        campaign = await campaigns.get_campaign(session, campaign_id=campaign_id)
        figures = await budget.figures(session, campaign=campaign)
    return figures.available_minor, figures.held_minor


@pytest.fixture
def now(clock):  # type: ignore[no-untyped-def]
    return clock.now()
