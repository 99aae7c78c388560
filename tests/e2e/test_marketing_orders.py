"""Coupons and points through the investment order flow: place, cancel, raise, mature."""

from datetime import date, timedelta

from finplat.core import scheduler
from finplat.core.clock import business_date, business_day_start
from finplat.investment import domain as investment_domain
from finplat.investment import jobs
from finplat.marketing import claims, points
from tests import factories
from tests.integration.investment.conftest import desk  # noqa: F401 - fixture
from tests.integration.investment.helpers import deposit, investor, order, wallet_balance
from tests.integration.marketing.conftest import budget_figures, make_campaign, make_offer

API = "/api/v1"


def _registry() -> scheduler.JobRegistry:
    registry = scheduler.JobRegistry()
    registry.register("investment.close_raises", jobs.close_raises, order=40)
    registry.register("investment.accrual", jobs.accrue, order=50)
    registry.register("investment.maturity", jobs.pay_maturities, order=60)
    return registry


async def _run_day(db, clock, day: date) -> None:  # type: ignore[no-untyped-def]
    clock.set(business_day_start(day) + timedelta(minutes=30))
    report = await scheduler.run_day(db, clock=clock, day=day, jobs=_registry())
    assert report.ok, report.outcomes


async def _coupon(db, user_id: int, offer_id: int, now) -> int:  # type: ignore[no-untyped-def]
    coupon = await db.run(lambda s: claims.claim_coupon(s, offer_id=offer_id, user_id=user_id,
                                                        now=now))
    return coupon.id


async def _my_coupon(client, app, user_id: int, coupon_id: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    listed = await client.get(f"{API}/me/coupons", headers=factories.bearer_for(app, user_id))
    return next(c for c in listed.json()["items"] if c["id"] == coupon_id)


async def test_coupons_follow_orders_from_placement_to_maturity(app, client, db, clock,
                                                                desk) -> None:  # noqa: F811
    now = clock.now()
    product = await desk.publish(annual_rate="0.0365", term_days=10, raise_target_minor=500_000)
    campaign_id = await make_campaign(db, now=now, budget_minor=100_000, red_packet_minor=None,
                                      days=60)
    cashback = await make_offer(db, now=now, campaign_id=campaign_id, cashback_minor=1_000,
                                min_order_minor=100_000)
    boost = await make_offer(db, now=now, campaign_id=campaign_id, kind="rate_boost",
                             cashback_minor=0, rate_boost_bps=100, rate_boost_cap_minor=5_000,
                             min_order_minor=0)
    a, b, c = [await investor(db, now=now, balance_minor=1_000_000) for _ in range(3)]
    coupon_a = await _coupon(db, a, cashback, now)
    coupon_b = await _coupon(db, b, boost, now)
    coupon_c = await _coupon(db, c, cashback, now)

    # another user's coupon is not found; below the threshold is refused; nothing is held
    stolen = await order(client, factories.bearer_for(app, b), product, 300_000,
                         coupon_id=coupon_a)
    assert (stolen.status_code, stolen.json()["code"]) == (404, "marketing.coupon_not_found")
    assert (await wallet_balance(db, b))["available_minor"] == 1_000_000
    placed_a = await order(client, factories.bearer_for(app, a), product, 300_000,
                           coupon_id=coupon_a)
    assert placed_a.status_code == 201, placed_a.text
    assert (await _my_coupon(client, app, a, coupon_a))["status"] == "reserved"
    placed_b = await order(client, factories.bearer_for(app, b), product, 250_000,
                           coupon_id=coupon_b)
    assert placed_b.status_code == 201, placed_b.text
    placed_c = await order(client, factories.bearer_for(app, c), product, 100_000,
                           coupon_id=coupon_c)
    assert placed_c.status_code == 201, placed_c.text
    assert await budget_figures(db, campaign_id) == (100_000 - 1_000 - 5_000 - 1_000, 7_000)

    cancelled = await client.post(f"{API}/me/orders/{placed_c.json()['id']}/cancel",
                                  headers=factories.bearer_for(app, c))
    assert cancelled.status_code == 200, cancelled.text
    assert (await _my_coupon(client, app, c, coupon_c))["status"] == "available"
    assert await budget_figures(db, campaign_id) == (94_000, 6_000)

    closed = await client.post(f"{API}/admin/products/{product['id']}/close-raise",
                               headers=desk.reviewer, json={"early": True})
    assert closed.status_code == 200, closed.text
    assert (await wallet_balance(db, a))["balance_minor"] == 1_000_000 - 300_000 + 1_000
    assert (await _my_coupon(client, app, a, coupon_a))["status"] == "used"
    async with db.transaction(readonly=True) as session:
        assert (await points.balance(session, user_id=a)).balance_points == 3_000
        assert (await points.balance(session, user_id=b)).balance_points == 2_500
        assert (await points.balance(session, user_id=c)).balance_points == 0

    # the institution covers the base yield; the boost comes from the campaign budget
    await deposit(db, user_id=desk.institution_user_id, amount_minor=10_000, now=clock.now())
    funded = await client.post(f"{API}/institution/settlement/fundings", json={
        "amount_minor": 10_000}, headers={**desk.institution, "Idempotency-Key": "fund-yield"})
    assert funded.status_code == 201, funded.text
    running = (await client.get(f"{API}/products/{product['id']}")).json()
    maturity = date.fromisoformat(running["maturity_date"])
    day = business_date(clock.now())
    while day <= maturity:
        day += timedelta(days=1)
        await _run_day(db, clock, day)
    boost_minor = investment_domain.boost_yield_minor(principal_minor=250_000,
                                                      rate_boost_bps=100, term_days=10)
    yield_b = investment_domain.boost_yield_minor(principal_minor=250_000, rate_boost_bps=365,
                                                  term_days=10)
    assert 0 < boost_minor < 5_000
    assert (await wallet_balance(db, b))["balance_minor"] == 1_000_000 + yield_b + boost_minor
    assert (await _my_coupon(client, app, b, coupon_b))["status"] == "settled"
    assert await budget_figures(db, campaign_id) == (100_000 - 1_000 - boost_minor, 0)
