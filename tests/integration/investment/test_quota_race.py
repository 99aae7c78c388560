"""The quota is never oversold: many buyers race for the last lots of one product."""

import asyncio

from sqlalchemy import func, select

from finplat.core.errors import DomainError
from finplat.investment import service as investment_service
from finplat.investment.models import ORDER_PENDING, Order
from finplat.product import service as product_service
from tests.integration.investment.helpers import investor

LOT_MINOR = 100_000


async def test_a_hundred_orders_race_for_ten_lots(app, client, db, clock, desk) -> None:
    product = await desk.publish(
        min_amount_minor=LOT_MINOR,
        step_amount_minor=LOT_MINOR,
        max_per_investor_minor=LOT_MINOR,
        raise_target_minor=LOT_MINOR,
        raise_cap_minor=10 * LOT_MINOR,
    )
    buyers = [await investor(db, now=clock.now(), balance_minor=LOT_MINOR) for _ in range(100)]

    async def buy(user_id: int) -> str:
        try:
            outcome = await investment_service.place_order(
                db,
                user_id=user_id,
                product_id=product["id"],
                amount_minor=LOT_MINOR,
                disclosure_version=1,
                coupon_id=None,
                acknowledge_risk_mismatch=False,
                risk_warning_version=None,
                idempotency_key=f"race-{user_id}",
                now=clock.now(),
            )
        except DomainError as error:
            return error.code
        return str(outcome.status_code)

    results = await asyncio.gather(*(buy(user_id) for user_id in buyers))
    assert results.count("201") == 10, results
    assert set(results) == {"201", "investment.quota_exceeded"}
    async with db.transaction(readonly=True) as session:
        row = await product_service.get(session, product_id=product["id"])
        held = await session.scalar(
            select(func.sum(Order.amount_minor)).where(Order.status == ORDER_PENDING)
        )
        count = await session.scalar(select(func.count(Order.id)))
    assert row.sold_minor == 10 * LOT_MINOR == held
    assert row.order_count == count == 10
