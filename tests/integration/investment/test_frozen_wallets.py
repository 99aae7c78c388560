"""A wallet frozen (e.g. judicially) between order and settlement or payout holds up nobody else."""

from datetime import date, timedelta

from sqlalchemy import select

from finplat.investment import service as investment_service
from finplat.investment.models import Order
from finplat.ledger import service as ledger_service
from tests import factories
from tests.integration.investment.helpers import deposit, investor, order, wallet_balance

LOT = 100_000


async def _set_frozen(db, clock, user_id: int, frozen: bool) -> None:  # type: ignore[no-untyped-def]
    async def work(session):  # type: ignore[no-untyped-def]
        wallet = await ledger_service.wallet_of(session, user_id)
        change = ledger_service.freeze_account if frozen else ledger_service.unfreeze_account
        await change(
            session, account_id=wallet, reason="court order 2026-01", actor_id=None, now=clock.now()
        )

    await db.run(work)


async def test_a_frozen_wallet_at_raise_end_is_refunded(app, client, db, clock, desk) -> None:
    product = await desk.publish(raise_target_minor=LOT)
    a = await investor(db, now=clock.now(), balance_minor=LOT)
    b = await investor(db, now=clock.now(), balance_minor=LOT)
    for user_id in (a, b):
        assert (
            await order(client, factories.bearer_for(app, user_id), product, LOT)
        ).status_code == 201
    await _set_frozen(db, clock, a, True)
    closed = await investment_service.close_raise(
        db, product_id=product["id"], now=clock.now(), actor_id=None, early=True
    )
    assert closed["status"] == "raised" and closed["sold_minor"] == LOT
    async with db.transaction(readonly=True) as session:
        statuses = dict((await session.execute(select(Order.user_id, Order.status))).all())
    assert statuses == {a: "refunded", b: "confirmed"}
    assert (await wallet_balance(db, a))["frozen_minor"] == 0
    assert (await wallet_balance(db, b))["balance_minor"] == 0


async def test_a_frozen_wallet_at_maturity_waits_alone(app, client, db, clock, desk) -> None:
    product = await desk.publish(annual_rate="0.0365", term_days=10, raise_target_minor=LOT)
    a = await investor(db, now=clock.now(), balance_minor=LOT)
    b = await investor(db, now=clock.now(), balance_minor=LOT)
    for user_id in (a, b):
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
    await _set_frozen(db, clock, a, True)
    result = await investment_service.pay_product(
        db, product_id=product["id"], business_date=maturity, now=clock.now()
    )
    assert result == "blocked"
    assert (await wallet_balance(db, b))["balance_minor"] == LOT + 100
    assert (await wallet_balance(db, a))["balance_minor"] == 0
    held = (await client.get("/api/v1/me/holdings", headers=factories.bearer_for(app, a))).json()
    assert held["items"][0]["status"] == "awaiting_payout"

    await _set_frozen(db, clock, a, False)
    again = await investment_service.pay_product(
        db, product_id=product["id"], business_date=maturity + timedelta(days=1), now=clock.now()
    )
    assert again == "matured"
    assert (await wallet_balance(db, a))["balance_minor"] == LOT + 100
    assert (await wallet_balance(db, b))["balance_minor"] == LOT + 100
