"""Coupons on orders: reserved with the order, released on cancel, settled when the raise
succeeds (cash-back paid), and the rate boost paid at maturity."""

from datetime import date, timedelta

from finplat.core.clock import business_date
from finplat.investment import service as investment_service
from finplat.marketing import campaigns, claims
from tests import factories
from tests.integration.investment.helpers import deposit, investor, order, wallet_balance


async def _coupons(db, now, user_ids):  # type: ignore[no-untyped-def]
    """A funded campaign; each user gets one cash-back and one rate-boost coupon."""

    async def work(session):  # type: ignore[no-untyped-def]
        campaign = await campaigns.create_campaign(
            session,
            name="理财节",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=90),
            red_packet_amount_minor=None,
            actor_id=1,
            now=now,
        )
        await campaigns.fund_campaign(
            session,
            campaign_id=campaign.id,
            amount_minor=1_000_000,
            actor_id=1,
            funding_reference=f"test:{campaign.id}",
            now=now,
        )
        cashback = await campaigns.create_offer(
            session,
            campaign_id=campaign.id,
            name="满1000返10",
            kind="cashback",
            cashback_minor=1_000,
            rate_boost_bps=0,
            rate_boost_cap_minor=0,
            min_order_minor=100_000,
            valid_days=60,
            user_claimable=False,
            points_cost=None,
            actor_id=1,
            now=now,
        )
        boost = await campaigns.create_offer(
            session,
            campaign_id=campaign.id,
            name="加息1%",
            kind="rate_boost",
            cashback_minor=0,
            rate_boost_bps=100,
            rate_boost_cap_minor=10_000,
            min_order_minor=100_000,
            valid_days=60,
            user_claimable=False,
            points_cost=None,
            actor_id=1,
            now=now,
        )
        issued = {}
        for user_id in user_ids:
            issued[user_id] = (
                (
                    await claims.issue_coupon(
                        session, offer_id=cashback.id, user_id=user_id, actor_id=1, now=now
                    )
                ).id,
                (
                    await claims.issue_coupon(
                        session, offer_id=boost.id, user_id=user_id, actor_id=1, now=now
                    )
                ).id,
            )
        return issued

    return await db.run(work)


async def test_coupons_follow_the_order(app, client, db, clock, desk) -> None:
    product = await desk.publish(annual_rate="0.0365", term_days=30, raise_target_minor=300_000)
    a = await investor(db, now=clock.now(), balance_minor=1_000_000)
    b = await investor(db, now=clock.now(), balance_minor=1_000_000)
    coupons = await _coupons(db, clock.now(), [a, b])
    headers_a, headers_b = factories.bearer_for(app, a), factories.bearer_for(app, b)

    first = await order(client, headers_a, product, 200_000, coupon_id=coupons[a][0])
    assert first.status_code == 201, first.text
    assert first.json()["coupon_kind"] == "cashback" and first.json()["cashback_minor"] == 1_000
    # Cancelled: the coupon is usable again on the next order.
    await client.post(f"/api/v1/me/orders/{first.json()['id']}/cancel", headers=headers_a)
    again = await order(client, headers_a, product, 200_000, coupon_id=coupons[a][0])
    assert again.status_code == 201, again.text
    boosted = await order(client, headers_b, product, 300_000, coupon_id=coupons[b][1])
    assert boosted.json()["rate_boost_bps"] == 100
    foreign = await order(client, headers_b, product, 100_000, coupon_id=coupons[a][1])
    assert foreign.status_code == 404

    closed = await investment_service.close_raise(
        db, product_id=product["id"], now=clock.now(), actor_id=desk.reviewer_id, early=True
    )
    assert closed["status"] == "raised"
    assert (await wallet_balance(db, a))["balance_minor"] == 1_000_000 - 200_000 + 1_000

    maturity = date.fromisoformat(
        (await client.get(f"/api/v1/products/{product['id']}")).json()["maturity_date"]
    )
    await deposit(db, user_id=desk.institution_user_id, amount_minor=10_000, now=clock.now())
    await client.post(
        "/api/v1/institution/settlement/fundings",
        json={"amount_minor": 10_000},
        headers={**desk.institution, "Idempotency-Key": "top-up"},
    )
    await investment_service.start_running(db, business_date=maturity, now=clock.now())
    result = await investment_service.pay_product(
        db, product_id=product["id"], business_date=maturity, now=clock.now()
    )
    assert result == "matured"
    base_b = 300_000 * 365 * 30 // 365 // 10_000  # 3.65% for 30 days = 900
    boost_b = 300_000 * 100 * 30 // 365 // 10_000  # 1% for 30 days = 246
    assert (await wallet_balance(db, b))["balance_minor"] == 1_000_000 + base_b + boost_b
    holding = (await client.get("/api/v1/me/holdings", headers=headers_b)).json()["items"][0]
    assert holding["boost_paid_minor"] == boost_b == holding["expected_boost_minor"]
    assert business_date(clock.now()) <= maturity
