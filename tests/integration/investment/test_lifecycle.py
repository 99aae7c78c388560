"""Raise end, refunds, accrual and maturity through the daily jobs and the services."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from finplat.core import scheduler
from finplat.core.clock import business_date, business_day_start
from finplat.events.models import OutboxEvent
from finplat.investment import accrual, domain, jobs
from finplat.investment import service as investment_service
from finplat.investment.models import Accrual, Holding, Order
from tests import factories
from tests.integration.investment.helpers import deposit, investor, order, wallet_balance


def _registry() -> scheduler.JobRegistry:
    registry = scheduler.JobRegistry()
    registry.register("investment.close_raises", jobs.close_raises, order=40)
    registry.register("investment.accrual", jobs.accrue, order=50)
    registry.register("investment.maturity", jobs.pay_maturities, order=60)
    return registry


async def _run_day(db, clock, day: date) -> scheduler.DayReport:  # type: ignore[no-untyped-def]
    clock.set(business_day_start(day) + timedelta(minutes=30))
    report = await scheduler.run_day(db, clock=clock, day=day, jobs=_registry())
    assert report.ok, report.outcomes
    return report


async def _status(client, product_id: int, reviewer) -> str:  # type: ignore[no-untyped-def]
    return (await client.get(f"/api/v1/admin/products/{product_id}", headers=reviewer)).json()[
        "status"
    ]


async def test_raise_succeeds_runs_accrues_and_pays_out(app, client, db, clock, desk) -> None:
    product = await desk.publish(
        annual_rate="0.0365", term_days=30, raise_target_minor=500_000, raise_cap_minor=1_000_000
    )
    pid = product["id"]
    a = await investor(db, now=clock.now(), balance_minor=1_000_000)
    b = await investor(db, now=clock.now(), balance_minor=1_000_000)
    assert (await order(client, factories.bearer_for(app, a), product, 300_000)).status_code == 201
    assert (await order(client, factories.bearer_for(app, b), product, 250_000)).status_code == 201

    raise_end = datetime.fromisoformat(product["raise_end_at"])
    first_day = business_date(raise_end) + timedelta(days=1)
    await _run_day(db, clock, first_day)
    status = (await client.get(f"/api/v1/products/{pid}")).json()
    assert status["status"] == "running"
    assert status["value_date"] == first_day.isoformat()
    maturity = date.fromisoformat(status["maturity_date"])
    assert maturity == first_day + timedelta(days=30)
    assert await wallet_balance(db, a) == {
        "balance_minor": 700_000,
        "available_minor": 700_000,
        "frozen_minor": 0,
        "currency": "CNY",
    }
    settlement = (
        await client.get("/api/v1/institution/settlement", headers=desk.institution)
    ).json()
    assert settlement["balance_minor"] == 550_000

    day = first_day
    while day < maturity:
        day += timedelta(days=1)
        await _run_day(db, clock, day)
    # Raised money alone cannot pay the yield: the payout waits and says so.
    assert await _status(client, pid, desk.reviewer) == "payout_pending"
    headers_a = factories.bearer_for(app, a)
    held = (await client.get("/api/v1/me/holdings", headers=headers_a)).json()["items"][0]
    assert held["status"] == "awaiting_payout"
    expected_a = domain.accrued_minor(
        principal_minor=300_000, annual_rate=Decimal("0.0365"), days=30
    )
    assert held["accrued_yield_minor"] == expected_a == 900
    assert held["expected_payout_date"] == maturity.isoformat()
    async with db.transaction(readonly=True) as session:
        alerts = await session.scalar(
            select(func.count(OutboxEvent.id)).where(
                OutboxEvent.topic == "investment.payout_underfunded"
            )
        )
    assert alerts == 1

    # The institution funds the shortfall; the next run pays, and only once.
    await deposit(db, user_id=desk.institution_user_id, amount_minor=100_000, now=clock.now())
    funded = await client.post(
        "/api/v1/institution/settlement/fundings",
        headers={**desk.institution, "Idempotency-Key": "fund-1"},
        json={"amount_minor": 100_000},
    )
    assert funded.status_code == 201, funded.text
    await _run_day(db, clock, maturity + timedelta(days=1))
    assert await _status(client, pid, desk.reviewer) == "matured"
    expected_b = domain.accrued_minor(
        principal_minor=250_000, annual_rate=Decimal("0.0365"), days=30
    )
    assert (await wallet_balance(db, a))["balance_minor"] == 1_000_000 + expected_a
    assert (await wallet_balance(db, b))["balance_minor"] == 1_000_000 + expected_b
    await _run_day(db, clock, maturity + timedelta(days=2))
    retry = await client.post(f"/api/v1/admin/products/{pid}/payout", headers=desk.reviewer)
    assert retry.json()["result"] == "not_due"
    assert (await wallet_balance(db, a))["balance_minor"] == 1_000_000 + expected_a
    settlement = (
        await client.get("/api/v1/institution/settlement", headers=desk.institution)
    ).json()
    assert settlement["balance_minor"] == 650_000 - 550_000 - expected_a - expected_b

    async with db.transaction(readonly=True) as session:
        holdings = list(await session.scalars(select(Holding)))
        platform_total = await session.scalar(select(func.sum(Accrual.amount_minor)))
        per_holding = dict(
            (
                await session.execute(
                    select(Accrual.holding_id, func.sum(Accrual.amount_minor)).group_by(
                        Accrual.holding_id
                    )
                )
            ).all()
        )
    assert platform_total == sum(h.accrued_minor for h in holdings) == expected_a + expected_b
    assert all(per_holding[h.id] == h.accrued_minor for h in holdings)
    assert {h.status for h in holdings} == {"paid"}


async def test_accrual_is_idempotent_per_business_date(app, client, db, clock, desk) -> None:
    product = await desk.publish(annual_rate="0.0490", term_days=10, raise_target_minor=100_000)
    user_id = await investor(db, now=clock.now())
    await order(client, factories.bearer_for(app, user_id), product, 120_000)
    await investment_service.close_raise(
        db, product_id=product["id"], now=clock.now(), actor_id=desk.reviewer_id, early=True
    )
    value = date.fromisoformat(
        (await client.get(f"/api/v1/products/{product['id']}")).json()["value_date"]
    )
    for _ in range(3):
        await accrual.accrue_day(db, business_date=value + timedelta(days=3), now=clock.now())
    # A missed run is caught up in one step: days 1-4 at once, then nothing more that date.
    async with db.transaction(readonly=True) as session:
        rows = list(await session.scalars(select(Accrual)))
        holding = await session.scalar(select(Holding))
    assert len(rows) == 1 and rows[0].days_before == 0 and rows[0].days_after == 4
    assert holding.accrued_minor == domain.accrued_minor(
        principal_minor=120_000, annual_rate=Decimal("0.049"), days=4
    )


async def test_a_failed_raise_refunds_everyone(app, client, db, clock, desk) -> None:
    product = await desk.publish(raise_target_minor=1_000_000, raise_cap_minor=2_000_000)
    buyers = [await investor(db, now=clock.now(), balance_minor=500_000) for _ in range(3)]
    for user_id in buyers:
        assert (
            await order(client, factories.bearer_for(app, user_id), product, 200_000)
        ).status_code == 201
    early = await client.post(
        f"/api/v1/admin/products/{product['id']}/close-raise", headers=desk.reviewer
    )
    assert early.status_code == 409 and early.json()["code"] == "investment.raise_not_ended"
    clock.set(datetime.fromisoformat(product["raise_end_at"]) + timedelta(minutes=1))
    closed = await client.post(
        f"/api/v1/admin/products/{product['id']}/close-raise",
        headers=factories.bearer_for(app, desk.reviewer_id),
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "failed"
    for user_id in buyers:
        assert await wallet_balance(db, user_id) == {
            "balance_minor": 500_000,
            "available_minor": 500_000,
            "frozen_minor": 0,
            "currency": "CNY",
        }
    async with db.transaction(readonly=True) as session:
        statuses = set(await session.scalars(select(Order.status)))
    assert statuses == {"refunded"}
    again = await client.post(
        f"/api/v1/admin/products/{product['id']}/close-raise",
        headers=factories.bearer_for(app, desk.reviewer_id),
    )
    assert again.status_code == 409


async def test_delisting_refunds_every_order_in_chunks(app, client, db, clock, desk) -> None:
    product = await desk.publish()
    buyers = [await investor(db, now=clock.now(), balance_minor=300_000) for _ in range(5)]
    for user_id in buyers:
        await order(client, factories.bearer_for(app, user_id), product, 100_000)
    investor_headers = factories.bearer_for(app, buyers[0])
    assert (
        await client.post(
            f"/api/v1/admin/products/{product['id']}/delist", headers=investor_headers
        )
    ).status_code == 403
    from finplat.investment import settlement

    original = settlement.drain

    async def small_chunks(db, *, product_id, now, chunk_size=None):  # type: ignore[no-untyped-def]
        await original(db, product_id=product_id, now=now, chunk_size=2)

    settlement.drain = small_chunks  # type: ignore[assignment]
    try:
        delisted = await client.post(
            f"/api/v1/admin/products/{product['id']}/delist",
            headers=desk.reviewer,
            json={"reason": "issuer withdrew"},
        )
    finally:
        settlement.drain = original  # type: ignore[assignment]
    assert delisted.status_code == 200 and delisted.json()["status"] == "delisted"
    assert delisted.json()["sold_minor"] == 0
    for user_id in buyers:
        assert (await wallet_balance(db, user_id))["available_minor"] == 300_000
    assert (await client.get(f"/api/v1/products/{product['id']}")).status_code == 404
    late = await order(client, investor_headers, product, 100_000)
    assert late.status_code == 409


async def test_accrual_runs_in_chunks_and_reports_progress(app, client, db, clock, desk) -> None:
    product = await desk.publish(annual_rate="0.0365", term_days=10, raise_target_minor=100_000)
    for _ in range(3):
        user_id = await investor(db, now=clock.now())
        await order(client, factories.bearer_for(app, user_id), product, 100_000)
    await investment_service.close_raise(
        db, product_id=product["id"], now=clock.now(), actor_id=None, early=True
    )
    value = date.fromisoformat(
        (await client.get(f"/api/v1/products/{product['id']}")).json()["value_date"]
    )
    seen: list[int] = []

    async def progress(last_id: int) -> None:
        seen.append(last_id)

    touched = await accrual.accrue_day(
        db, business_date=value, now=clock.now(), chunk_size=1, progress=progress
    )
    assert touched == 3 and len(seen) == 3 and seen == sorted(seen)
    async with db.transaction(readonly=True) as session:
        amounts = list(await session.scalars(select(Holding.accrued_minor)))
    assert amounts == [10, 10, 10]  # 1,000.00 yuan at 3.65% for one day
