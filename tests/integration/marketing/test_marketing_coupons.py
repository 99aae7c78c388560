import asyncio

import pytest

from finplat.core.errors import Conflict, DomainError, InvalidInput, NotFound
from finplat.marketing import campaigns, claims, points, service
from tests.factories import make_user
from tests.integration.marketing.conftest import (
    budget_figures,
    make_campaign,
    make_offer,
    wallet_minor,
)


async def _claim_coupon(db, user_id: int, offer_id: int, now) -> int:  # type: ignore[no-untyped-def]
    coupon = await db.run(lambda session: claims.claim_coupon(
        session, offer_id=offer_id, user_id=user_id, now=now))
    return coupon.id


async def _reserve(db, user_id, coupon_id, order_id, amount, now):  # type: ignore[no-untyped-def]
    return await db.run(lambda session: service.reserve_coupon(
        session, user_id=user_id, coupon_id=coupon_id, order_id=order_id, product_id=1,
        order_amount_minor=amount, now=now))


async def test_cashback_coupon_end_to_end(db, now) -> None:
    user_id = await make_user(db, now=now)
    campaign_id = await make_campaign(db, now=now, budget_minor=50_000, red_packet_minor=None)
    offer_id = await make_offer(db, now=now, campaign_id=campaign_id, cashback_minor=1_000,
                                min_order_minor=100_000)
    coupon_id = await _claim_coupon(db, user_id, offer_id, now)

    terms = await _reserve(db, user_id, coupon_id, 501, 100_000, now)
    assert terms == service.CouponTerms(kind="cashback", cashback_minor=1_000, rate_boost_bps=0)
    assert await budget_figures(db, campaign_id) == (49_000, 1_000)
    # the same reservation again is harmless; the coupon cannot serve a second order
    assert await _reserve(db, user_id, coupon_id, 501, 100_000, now) == terms
    with pytest.raises(Conflict) as caught:
        await _reserve(db, user_id, coupon_id, 502, 100_000, now)
    assert caught.value.code == "marketing.coupon_not_available"

    # cancelled: the hold is voided and the coupon can be used again
    assert await db.run(lambda s: service.release_coupon(s, order_id=501, now=now)) is True
    assert await budget_figures(db, campaign_id) == (50_000, 0)
    await _reserve(db, user_id, coupon_id, 503, 120_000, now)

    # raise succeeded: cash-back paid from the budget into the wallet
    settled = await db.run(lambda s: service.settle_coupon(s, order_id=503, now=now))
    assert settled == terms
    assert await wallet_minor(db, user_id) == 1_000
    assert await budget_figures(db, campaign_id) == (49_000, 0)
    assert await db.run(lambda s: service.settle_coupon(s, order_id=503, now=now)) == terms
    assert await wallet_minor(db, user_id) == 1_000
    with pytest.raises(Conflict) as caught:
        await db.run(lambda s: service.release_coupon(s, order_id=503, now=now))
    assert caught.value.code == "marketing.coupon_already_used"


async def test_rate_boost_pays_at_most_its_cap_at_maturity(db, now) -> None:
    user_id = await make_user(db, now=now)
    campaign_id = await make_campaign(db, now=now, budget_minor=20_000, red_packet_minor=None)
    offer_id = await make_offer(db, now=now, campaign_id=campaign_id, kind="rate_boost",
                                cashback_minor=0, rate_boost_bps=100, rate_boost_cap_minor=5_000,
                                min_order_minor=0)
    first = await _claim_coupon(db, user_id, offer_id, now)
    terms = await _reserve(db, user_id, first, 601, 1_000_000, now)
    assert (terms.kind, terms.rate_boost_bps, terms.cashback_minor) == ("rate_boost", 100, 0)
    with pytest.raises(Conflict) as caught:
        await db.run(lambda s: service.pay_rate_boost(s, order_id=601, amount_minor=100, now=now))
    assert caught.value.code == "marketing.coupon_not_settled"
    await db.run(lambda s: service.settle_coupon(s, order_id=601, now=now))
    assert await wallet_minor(db, user_id) == 0
    assert await budget_figures(db, campaign_id) == (15_000, 5_000)
    paid = await db.run(lambda s: service.pay_rate_boost(s, order_id=601, amount_minor=8_219,
                                                         now=now))
    assert paid == 5_000
    assert await wallet_minor(db, user_id) == 5_000
    assert await budget_figures(db, campaign_id) == (15_000, 0)
    with pytest.raises(Conflict) as caught:
        await db.run(lambda s: service.pay_rate_boost(s, order_id=601, amount_minor=1, now=now))
    assert caught.value.code == "marketing.coupon_already_paid"


async def test_reservation_refusals(db, now, clock) -> None:
    from datetime import timedelta

    owner, other = await make_user(db, now=now), await make_user(db, now=now)
    campaign_id = await make_campaign(db, now=now, budget_minor=1_500, red_packet_minor=None)
    offer_id = await make_offer(db, now=now, campaign_id=campaign_id, cashback_minor=1_000,
                                min_order_minor=100_000, valid_days=3)
    coupon_id = await _claim_coupon(db, owner, offer_id, now)
    with pytest.raises(NotFound):
        await _reserve(db, other, coupon_id, 701, 100_000, now)
    with pytest.raises(InvalidInput) as caught:
        await _reserve(db, owner, coupon_id, 701, 99_999, now)
    assert caught.value.code == "marketing.coupon_below_threshold"
    with pytest.raises(Conflict) as caught:
        await _reserve(db, owner, coupon_id, 701, 100_000, now + timedelta(days=3))
    assert caught.value.code == "marketing.coupon_expired"
    # a second coupon of the same person cannot be held once the budget cannot cover both
    staff_coupon = await db.run(lambda s: claims.issue_coupon(
        s, offer_id=offer_id, user_id=owner, actor_id=1, now=now))
    await _reserve(db, owner, coupon_id, 702, 100_000, now)
    with pytest.raises(Conflict) as caught:
        await _reserve(db, owner, staff_coupon.id, 703, 100_000, now)
    assert caught.value.code == "marketing.budget_exhausted"
    with pytest.raises(Conflict) as caught:
        await _reserve(db, owner, staff_coupon.id, 702, 100_000, now)
    assert caught.value.code == "marketing.order_has_coupon"
    assert await budget_figures(db, campaign_id) == (500, 1_000)


async def test_closing_a_campaign_keeps_reserved_coupons_payable(db, now) -> None:
    user_id = await make_user(db, now=now)
    campaign_id = await make_campaign(db, now=now, budget_minor=10_000, red_packet_minor=None)
    offer_id = await make_offer(db, now=now, campaign_id=campaign_id, cashback_minor=1_000,
                                min_order_minor=0)
    first = await _claim_coupon(db, user_id, offer_id, now)
    second = (await db.run(lambda s: claims.issue_coupon(s, offer_id=offer_id, user_id=user_id,
                                                         actor_id=1, now=now))).id
    await _reserve(db, user_id, first, 801, 100_000, now)
    await _reserve(db, user_id, second, 802, 100_000, now)
    campaign = await db.run(lambda s: campaigns.close_campaign(s, campaign_id=campaign_id,
                                                               actor_id=1, now=now))
    assert campaign.returned_minor == 8_000
    await db.run(lambda s: service.settle_coupon(s, order_id=801, now=now))
    await db.run(lambda s: service.release_coupon(s, order_id=802, now=now))
    assert await wallet_minor(db, user_id) == 1_000
    assert await budget_figures(db, campaign_id) == (0, 0)
    async with db.transaction(readonly=True) as session:
        campaign = await campaigns.get_campaign(session, campaign_id=campaign_id)
    assert campaign.returned_minor == 9_000


async def test_concurrent_reservations_of_one_coupon_hold_once(db, now) -> None:
    user_id = await make_user(db, now=now)
    campaign_id = await make_campaign(db, now=now, budget_minor=10_000, red_packet_minor=None)
    offer_id = await make_offer(db, now=now, campaign_id=campaign_id, min_order_minor=0)
    coupon_id = await _claim_coupon(db, user_id, offer_id, now)

    async def attempt(order_id: int) -> str:
        try:
            await _reserve(db, user_id, coupon_id, order_id, 100_000, now)
        except DomainError as error:
            return error.code
        return "ok"

    results = await asyncio.gather(*(attempt(900 + n) for n in range(5)))
    assert results.count("ok") == 1
    assert await budget_figures(db, campaign_id) == (9_000, 1_000)
    await db.run(lambda s: service.release_coupon(s, order_id=900 + results.index("ok"), now=now))


async def test_points_for_investing_and_redeeming_them_for_a_coupon(db, now) -> None:
    user_id = await make_user(db, now=now)
    campaign_id = await make_campaign(db, now=now, budget_minor=10_000, red_packet_minor=None)
    offer_id = await make_offer(db, now=now, campaign_id=campaign_id, user_claimable=False,
                                points_cost=800)
    awarded = await db.run(lambda s: service.award_points_for_investment(
        s, user_id=user_id, order_id=1001, amount_minor=100_050, now=now))
    assert awarded == 1_000
    again = await db.run(lambda s: service.award_points_for_investment(
        s, user_id=user_id, order_id=1001, amount_minor=100_050, now=now))
    assert again == 1_000
    coupon = await db.run(lambda s: claims.redeem_points(s, offer_id=offer_id, user_id=user_id,
                                                         now=now))
    assert (coupon.source, coupon.status) == ("points", "available")
    with pytest.raises(Conflict) as caught:
        await db.run(lambda s: claims.redeem_points(s, offer_id=offer_id, user_id=user_id,
                                                    now=now))
    assert caught.value.code == "marketing.insufficient_points"
    with pytest.raises(NotFound):
        await _claim_coupon(db, user_id, offer_id, now)
    async with db.transaction(readonly=True) as session:
        balance = await points.balance(session, user_id=user_id)
        assert (await points.verify(session)).ok
    assert (balance.balance_points, balance.earned_points,
            balance.spent_points) == (200, 1_000, 800)
