import asyncio

import pytest
from sqlalchemy import update

from finplat.core.errors import Conflict, DomainError
from finplat.identity.models import User
from finplat.marketing import campaigns, claims
from tests.factories import make_user, unique_id_number
from tests.integration.marketing.conftest import budget_figures, make_campaign, wallet_minor


async def _claim(db, user_id: int, campaign_id: int, now):  # type: ignore[no-untyped-def]
    return await db.run(lambda session: claims.claim_red_packet(
        session, user_id=user_id, campaign_id=campaign_id, now=now))


async def test_a_red_packet_pays_the_wallet_once(db, now) -> None:
    user_id = await make_user(db, now=now)
    campaign_id = await make_campaign(db, now=now, budget_minor=10_000, red_packet_minor=888)
    claim = await _claim(db, user_id, campaign_id, now)
    assert claim.amount_minor == 888
    assert await wallet_minor(db, user_id) == 888
    assert await budget_figures(db, campaign_id) == (10_000 - 888, 0)
    with pytest.raises(Conflict) as caught:
        await _claim(db, user_id, campaign_id, now)
    assert caught.value.code == "marketing.already_claimed"
    assert await wallet_minor(db, user_id) == 888


async def test_an_exhausted_budget_refuses_further_claims(db, now) -> None:
    first, second = [await make_user(db, now=now) for _ in range(2)]
    campaign_id = await make_campaign(db, now=now, budget_minor=1_000, red_packet_minor=600)
    await _claim(db, first, campaign_id, now)
    with pytest.raises(Conflict) as caught:
        await _claim(db, second, campaign_id, now)
    assert caught.value.code == "marketing.budget_exhausted"
    assert await wallet_minor(db, second) == 0
    assert await budget_figures(db, campaign_id) == (400, 0)


async def test_concurrent_claims_pay_exactly_what_the_budget_affords(db, now) -> None:
    users = [await make_user(db, now=now) for _ in range(8)]
    campaign_id = await make_campaign(db, now=now, budget_minor=5_000, red_packet_minor=1_000)

    async def attempt(user_id: int) -> str:
        try:
            await _claim(db, user_id, campaign_id, now)
        except DomainError as error:
            return error.code
        return "ok"

    results = await asyncio.gather(*(attempt(user_id) for user_id in users))
    assert results.count("ok") == 5
    assert results.count("marketing.budget_exhausted") == 3
    assert await budget_figures(db, campaign_id) == (0, 0)
    paid = [await wallet_minor(db, user_id) for user_id in users]
    assert sorted(paid) == [0] * 3 + [1_000] * 5


async def test_one_claim_per_identity_not_per_login(db, now) -> None:
    id_number = unique_id_number()
    first = await make_user(db, now=now, id_number=id_number)
    campaign_id = await make_campaign(db, now=now, budget_minor=10_000, red_packet_minor=500)
    await _claim(db, first, campaign_id, now)
    # The first account is closed and its identity released (as retention shredding does);
    # the same person verifies a new login with the same ID number.
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id == first)
                              .values(id_number_index=None, status="closed"))
    second = await make_user(db, now=now, id_number=id_number)
    with pytest.raises(Conflict) as caught:
        await _claim(db, second, campaign_id, now)
    assert caught.value.code == "marketing.already_claimed"
    assert await wallet_minor(db, second) == 0


async def test_unverified_users_and_closed_or_future_campaigns_are_refused(db, now) -> None:
    from datetime import timedelta

    verified = await make_user(db, now=now)
    unverified = await make_user(db, now=now, verified=False)
    campaign_id = await make_campaign(db, now=now, budget_minor=10_000)
    with pytest.raises(DomainError) as caught:
        await _claim(db, unverified, campaign_id, now)
    assert caught.value.code == "identity.kyc_required"
    with pytest.raises(Conflict) as caught:
        await _claim(db, verified, campaign_id, now + timedelta(days=8))
    assert caught.value.code == "marketing.campaign_not_open"
    await db.run(lambda session: campaigns.close_campaign(session, campaign_id=campaign_id,
                                                          actor_id=1, now=now))
    with pytest.raises(Conflict) as caught:
        await _claim(db, verified, campaign_id, now)
    assert caught.value.code == "marketing.campaign_closed"


async def test_closing_returns_the_unspent_budget(db, now) -> None:
    user_id = await make_user(db, now=now)
    campaign_id = await make_campaign(db, now=now, budget_minor=10_000, red_packet_minor=1_500)
    await _claim(db, user_id, campaign_id, now)
    campaign = await db.run(lambda session: campaigns.close_campaign(
        session, campaign_id=campaign_id, actor_id=1, now=now))
    assert (campaign.status, campaign.returned_minor) == ("closed", 8_500)
    assert await budget_figures(db, campaign_id) == (0, 0)
    with pytest.raises(Conflict):
        await db.run(lambda session: campaigns.close_campaign(
            session, campaign_id=campaign_id, actor_id=1, now=now))


async def test_concurrent_claims_by_one_identity_pay_once(db, now) -> None:
    user_id = await make_user(db, now=now)
    campaign_id = await make_campaign(db, now=now, budget_minor=10_000, red_packet_minor=700)

    async def attempt() -> str:
        try:
            await _claim(db, user_id, campaign_id, now)
        except DomainError as error:
            return error.code
        return "ok"

    results = await asyncio.gather(*(attempt() for _ in range(5)))
    assert sorted(results) == ["marketing.already_claimed"] * 4 + ["ok"]
    assert await wallet_minor(db, user_id) == 700
    assert await budget_figures(db, campaign_id) == (9_300, 0)
