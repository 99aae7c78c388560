"""Invariants that rest on locks, raced with real concurrent sessions."""

import asyncio
from datetime import date

from sqlalchemy import func, select

from finplat.core.errors import DomainError
from finplat.investment import service as investment_service
from finplat.investment.models import Holding, Order
from tests import factories
from tests.integration.investment.helpers import deposit, investor, order, wallet_balance

LOT = 100_000


async def _place(db, clock, user_id: int, product_id: int, key: str) -> str:  # type: ignore[no-untyped-def]
    try:
        outcome = await investment_service.place_order(
            db,
            user_id=user_id,
            product_id=product_id,
            amount_minor=LOT,
            disclosure_version=1,
            coupon_id=None,
            acknowledge_risk_mismatch=False,
            risk_warning_version=None,
            idempotency_key=key,
            now=clock.now(),
        )
    except DomainError as error:
        return error.code
    return f"{outcome.status_code}:{outcome.body['id']}"


async def test_one_investor_racing_never_exceeds_the_per_investor_maximum(
    app, client, db, clock, desk
) -> None:
    product = await desk.publish(
        min_amount_minor=LOT, step_amount_minor=LOT, max_per_investor_minor=2 * LOT
    )
    user_id = await investor(db, now=clock.now(), balance_minor=10 * LOT)
    results = await asyncio.gather(
        *(_place(db, clock, user_id, product["id"], f"k{n}") for n in range(8))
    )
    assert sum(r.startswith("201") for r in results) == 2, results
    assert (await wallet_balance(db, user_id))["frozen_minor"] == 2 * LOT


async def test_the_same_key_raced_places_one_order(app, client, db, clock, desk) -> None:
    product = await desk.publish()
    user_id = await investor(db, now=clock.now(), balance_minor=10 * LOT)
    results = await asyncio.gather(
        *(_place(db, clock, user_id, product["id"], "same") for _ in range(5))
    )
    assert len(set(results)) == 1 and results[0].startswith("201"), results
    assert (await wallet_balance(db, user_id))["frozen_minor"] == LOT


async def test_cancel_racing_the_raise_end_is_one_or_the_other(
    app, client, db, clock, desk
) -> None:
    product = await desk.publish(raise_target_minor=LOT)
    buyers = [await investor(db, now=clock.now(), balance_minor=LOT) for _ in range(4)]
    placed = []
    for user_id in buyers:
        placed.append(
            (
                user_id,
                (await order(client, factories.bearer_for(app, user_id), product, LOT)).json()[
                    "id"
                ],
            )
        )

    async def cancel(user_id: int, order_id: int) -> str:
        try:
            await investment_service.cancel_order(
                db, user_id=user_id, order_id=order_id, now=clock.now()
            )
        except DomainError as error:
            return error.code
        return "cancelled"

    async def close() -> str:
        try:
            result = await investment_service.close_raise(
                db, product_id=product["id"], now=clock.now(), actor_id=None, early=True
            )
        except DomainError as error:
            return error.code
        return result["status"]

    outcomes = await asyncio.gather(close(), *(cancel(u, o) for u, o in placed))
    async with db.transaction(readonly=True) as session:
        statuses = dict((await session.execute(select(Order.id, Order.status))).all())
        holdings = await session.scalar(select(func.count(Holding.id)))
    for (user_id, order_id), outcome in zip(placed, outcomes[1:], strict=True):
        balance = await wallet_balance(db, user_id)
        if outcome == "cancelled":
            assert statuses[order_id] == "cancelled" and balance["balance_minor"] == LOT
        else:
            assert outcome == "investment.order_not_cancellable"
            assert statuses[order_id] in ("confirmed", "refunded")
        assert balance["frozen_minor"] == 0
    assert holdings == sum(s == "confirmed" for s in statuses.values())


async def test_racing_payouts_pay_each_holding_once(app, client, db, clock, desk) -> None:
    product = await desk.publish(annual_rate="0.0365", term_days=10, raise_target_minor=LOT)
    buyers = [await investor(db, now=clock.now(), balance_minor=LOT) for _ in range(3)]
    for user_id in buyers:
        await order(client, factories.bearer_for(app, user_id), product, LOT)
    await investment_service.close_raise(
        db, product_id=product["id"], now=clock.now(), actor_id=None, early=True
    )
    await deposit(db, user_id=desk.institution_user_id, amount_minor=LOT, now=clock.now())
    await investment_service.fund(
        db,
        user_id=desk.institution_user_id,
        institution_id=desk.institution_id,
        amount_minor=LOT,
        idempotency_key="fund",
        now=clock.now(),
    )
    maturity = date.fromisoformat(
        (await client.get(f"/api/v1/products/{product['id']}")).json()["maturity_date"]
    )
    results = await asyncio.gather(
        *(
            investment_service.pay_product(
                db, product_id=product["id"], business_date=maturity, now=clock.now()
            )
            for _ in range(4)
        )
    )
    assert "matured" in results and set(results) <= {"matured", "not_due"}
    for user_id in buyers:
        assert (await wallet_balance(db, user_id))["balance_minor"] == LOT + 100  # 3.65%, 10 days
