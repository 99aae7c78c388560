"""Chunk boundaries of the set-based jobs: whatever the chunk size (1, a divisor, the exact
count, more), settlement, accrual and payout end in the same books, record one event per order
or holding, and a run interrupted between chunks resumes without paying anything twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from finplat.events.models import OutboxEvent
from finplat.investment import accrual, payout
from finplat.investment import service as investment_service
from finplat.investment.models import Accrual, Holding, Order
from finplat.investment.policy import get_policy
from finplat.ledger import service as ledger_service
from finplat.ledger.models import LedgerEntry
from tests import factories
from tests.integration.investment.helpers import deposit, investor, order, wallet_balance

LOT = 100_000
BUYERS = 5


async def _raised(app, client, db, clock, desk, *, frozen: int | None = None):  # type: ignore[no-untyped-def]
    product = await desk.publish(annual_rate="0.0365", term_days=10, raise_target_minor=LOT)
    buyers = [await investor(db, now=clock.now(), balance_minor=2 * LOT) for _ in range(BUYERS)]
    for n, user_id in enumerate(buyers):
        # The second buyer orders twice: one wallet, two holdings.
        for _ in range(2 if n == 1 else 1):
            response = await order(client, factories.bearer_for(app, user_id), product, LOT)
            assert response.status_code == 201, response.text
    if frozen is not None:
        await _freeze(db, clock, buyers[frozen], True)
    await investment_service.close_raise(
        db, product_id=product["id"], now=clock.now(), actor_id=None, early=True
    )
    return product, buyers


async def _freeze(db, clock, user_id: int, frozen: bool) -> None:  # type: ignore[no-untyped-def]
    async def work(session):  # type: ignore[no-untyped-def]
        wallet = await ledger_service.wallet_of(session, user_id)
        change = ledger_service.freeze_account if frozen else ledger_service.unfreeze_account
        await change(session, account_id=wallet, reason="court", actor_id=None, now=clock.now())

    await db.run(work)


async def _count(db, statement) -> int:  # type: ignore[no-untyped-def]
    async with db.transaction(readonly=True) as session:
        return int(await session.scalar(statement) or 0)


def _topic(name: str):  # type: ignore[no-untyped-def]
    return select(func.count(OutboxEvent.id)).where(OutboxEvent.topic == name)


async def _fund_and_mature(client, db, clock, desk, product) -> date:  # type: ignore[no-untyped-def]
    await deposit(db, user_id=desk.institution_user_id, amount_minor=LOT, now=clock.now())
    await investment_service.fund(
        db, user_id=desk.institution_user_id, institution_id=desk.institution_id,
        amount_minor=LOT, idempotency_key="fund", now=clock.now())
    detail = (await client.get(f"/api/v1/products/{product['id']}")).json()
    return date.fromisoformat(detail["maturity_date"])


@pytest.mark.parametrize("size", [1, 2, BUYERS + 1, BUYERS + 2])
async def test_settlement_in_chunks_confirms_each_order_once(
    app, client, db, clock, desk, monkeypatch, size
) -> None:
    monkeypatch.setattr(get_policy(), "payout_chunk_size", size)
    product, buyers = await _raised(app, client, db, clock, desk, frozen=2)
    async with db.transaction(readonly=True) as session:
        statuses = list((await session.execute(select(Order.user_id, Order.status))).all())
    assert sorted(s for u, s in statuses) == ["confirmed"] * BUYERS + ["refunded"]
    assert dict(statuses)[buyers[2]] == "refunded"
    assert await _count(db, select(func.count(Holding.id))) == BUYERS
    assert await _count(db, _topic("investment.order_confirmed")) == BUYERS
    assert await _count(db, _topic("investment.order_refunded")) == 1
    detail = (await client.get(f"/api/v1/products/{product['id']}")).json()
    assert detail["sold_minor"] == BUYERS * LOT
    assert (await wallet_balance(db, buyers[1]))["balance_minor"] == 0
    assert (await wallet_balance(db, buyers[2]))["frozen_minor"] == 0


@pytest.mark.parametrize("size", [1, 2, BUYERS, BUYERS + 1, 50])
async def test_payout_in_chunks_pays_each_holding_once(
    app, client, db, clock, desk, monkeypatch, size
) -> None:
    product, buyers = await _raised(app, client, db, clock, desk)
    maturity = await _fund_and_mature(client, db, clock, desk, product)
    await _freeze(db, clock, buyers[3], True)
    result = await investment_service.pay_product(
        db, product_id=product["id"], business_date=maturity, now=clock.now(), chunk_size=size
    )
    assert result == "blocked"
    assert await _count(db, _topic("investment.holding_paid")) == BUYERS
    await _freeze(db, clock, buyers[3], False)
    again = await investment_service.pay_product(
        db, product_id=product["id"], business_date=maturity, now=clock.now(), chunk_size=size
    )
    assert again == "matured"
    expected = [2 * LOT + 100] * BUYERS
    expected[1] = 2 * LOT + 200  # two holdings, each paid its own yield
    assert [(await wallet_balance(db, u))["balance_minor"] for u in buyers] == expected
    assert await _count(db, _topic("investment.holding_paid")) == BUYERS + 1
    entries = select(func.count(LedgerEntry.id)).where(
        LedgerEntry.source_type == payout.PAYOUT_SOURCE
    )
    # One entry per chunk, never one per holding (the blocked wallet's own entry aside).
    chunks = -(-(BUYERS + 1) // size) + 1
    assert await _count(db, entries) <= chunks


async def test_a_payout_interrupted_between_chunks_resumes_exactly_once(
    app, client, db, clock, desk, monkeypatch
) -> None:
    product, buyers = await _raised(app, client, db, clock, desk)
    maturity = await _fund_and_mature(client, db, clock, desk, product)
    original = payout._mark_paid
    calls = {"n": 0}

    async def crash_on_second_chunk(session, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the process died")
        await original(session, **kwargs)

    monkeypatch.setattr(payout, "_mark_paid", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        await investment_service.pay_product(
            db, product_id=product["id"], business_date=maturity, now=clock.now(), chunk_size=2
        )
    monkeypatch.setattr(payout, "_mark_paid", original)
    assert await _count(db, _topic("investment.holding_paid")) == 2
    assert await investment_service.pay_product(
        db, product_id=product["id"], business_date=maturity, now=clock.now(), chunk_size=2
    ) == "matured"
    assert await _count(db, _topic("investment.holding_paid")) == BUYERS + 1
    paid = [(await wallet_balance(db, u))["balance_minor"] for u in buyers]
    assert paid == [2 * LOT + (200 if n == 1 else 100) for n in range(BUYERS)]


@pytest.mark.parametrize("size", [1, 3, BUYERS + 1, 500])
async def test_accrual_in_chunks_is_the_same_for_any_size(
    app, client, db, clock, desk, size
) -> None:
    product, _buyers = await _raised(app, client, db, clock, desk)
    detail = (await client.get(f"/api/v1/products/{product['id']}")).json()
    value = date.fromisoformat(detail["value_date"])
    for offset in (0, 3, 3, 9, 20):
        touched = await accrual.accrue_day(
            db, business_date=value + timedelta(days=offset), now=clock.now(), chunk_size=size
        )
        assert touched in (0, BUYERS + 1)
    async with db.transaction(readonly=True) as session:
        holdings = list(await session.scalars(select(Holding)))
        rows = await session.scalar(select(func.count(Accrual.id)))
    # Days 1, 4 and 10 of the term (a repeated date and a date past maturity add nothing).
    assert rows == 3 * (BUYERS + 1)
    assert {(h.accrued_days, h.accrued_minor) for h in holdings} == {(10, 100)}
