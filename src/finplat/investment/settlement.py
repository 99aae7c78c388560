"""The end of a raise: success posts every hold to the product's escrow and moves the money on
to the institution's settlement account; failure or delisting releases every hold.

Deciding (the product's state) and settling the orders are separate steps: the decision commits
first, then orders are settled in bounded chunks, one transaction each. Each order changes state
in the transaction that moves its money, so a crash between chunks loses nothing and repeats
nothing; ``drain`` (also run by the daily job) picks up where it stopped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict, DomainError
from finplat.core.money import Money
from finplat.investment import orders
from finplat.investment.models import (
    HOLDING_ACCRUING,
    ORDER_CONFIRMED,
    ORDER_PENDING,
    ORDER_REFUNDED,
    Holding,
    Order,
)
from finplat.investment.policy import get_policy
from finplat.ledger import chart as ledger_chart
from finplat.ledger import service as ledger_service
from finplat.marketing import service as marketing_service
from finplat.product import domain as product_domain
from finplat.product import service as product_service
from finplat.product.models import Product

RAISE_SOURCE = "product_raise"
RAISE_CODE = "product_raise"
# Ledger refusals that concern one investor's wallet, not the raise as a whole.
BLOCKING_CODES = frozenset({"ledger.account_frozen", "ledger.account_closed"})
REFUNDING_STATES = frozenset({product_domain.FAILED, product_domain.DELISTED})
SETTLING_STATES = frozenset(
    {
        product_domain.RAISED,
        product_domain.RUNNING,
        product_domain.PAYOUT_PENDING,
        product_domain.MATURED,
    }
)


def settlement_reference(institution_id: int) -> str:
    return f"institution:{institution_id}"


async def settlement_account(session: AsyncSession, *, institution_id: int, now: datetime) -> int:
    return await ledger_service.account_for(
        session,
        kind=ledger_chart.INSTITUTION_SETTLEMENT,
        reference=settlement_reference(institution_id),
        now=now,
    )


async def close_raise(
    db: Database, *, product_id: int, now: datetime, actor_id: int | None, early: bool = False
) -> dict[str, Any]:
    """End a product's raise: ``raised`` when the target was met, ``failed`` otherwise; then
    settle or refund every order. ``early`` (an admin action) ends it before the window closes.

    Raises ``ProductNotFound``, ``Conflict('product.invalid_state')``,
    ``Conflict('investment.raise_not_ended')``.
    """

    async def decide(session: AsyncSession) -> None:
        product = await product_service.lock(session, product_id=product_id)
        product_domain.next_state("close_raise", product.status)
        if not early and not product_domain.raise_has_ended(
            now=now,
            raise_end_at=product.raise_end_at,
            sold_minor=product.sold_minor,
            raise_cap_minor=product.raise_cap_minor,
        ):
            raise Conflict("investment.raise_not_ended", "the raise window is still open")
        outcome = product_domain.raise_outcome(
            sold_minor=product.sold_minor, raise_target_minor=product.raise_target_minor
        )
        closed_at = min(now, product.raise_end_at)
        product.raise_closed_at = closed_at
        if outcome == product_domain.RAISED:
            product.value_date = product_domain.value_date(
                raise_closed_at=closed_at, rule=product.yield_start_rule
            )
            product.maturity_date = product_domain.maturity_date(
                value_date=product.value_date, term_days=product.term_days
            )
        await product_service.transition(
            session,
            product=product,
            action="close_raise",
            target=outcome,
            now=now,
            actor_id=actor_id,
            extra={
                "sold_minor": product.sold_minor,
                "raise_target_minor": product.raise_target_minor,
            },
        )

    await db.run(decide)
    await drain(db, product_id=product_id, now=now)
    return await _snapshot(db, product_id)


async def delist(
    db: Database, *, product_id: int, now: datetime, actor_id: int, reason: str | None
) -> dict[str, Any]:
    """Take an approved or raising product off sale before its raise ends; refund every order.

    Raises ``ProductNotFound``, ``Conflict('product.invalid_state')``,
    ``Conflict('investment.raise_ended')`` (close the raise instead).
    """

    async def decide(session: AsyncSession) -> None:
        product = await product_service.lock(session, product_id=product_id)
        if product.status == product_domain.RAISING and now >= product.raise_end_at:
            raise Conflict(
                "investment.raise_ended", "the raise has ended; close it instead of delisting"
            )
        await product_service.transition(
            session,
            product=product,
            action="delist",
            now=now,
            actor_id=actor_id,
            extra={"reason": reason},
        )
        product.delisted_at = now

    await db.run(decide)
    await drain(db, product_id=product_id, now=now)
    return await _snapshot(db, product_id)


async def drain(
    db: Database, *, product_id: int, now: datetime, chunk_size: int | None = None
) -> None:
    """Settle or refund the pending orders of a closed raise, chunk by chunk, until none is left."""
    size = chunk_size or get_policy().payout_chunk_size
    while not await db.run(lambda session: _drain_chunk(session, product_id, now, size)):
        pass


async def unsettled_product_ids(session: AsyncSession, *, limit: int) -> list[int]:
    """Closed raises whose orders are not all settled or refunded yet (for the daily job)."""
    rows = await session.scalars(
        select(Product.id)
        .where(
            Product.orders_settled_at.is_(None),
            Product.status.in_(sorted(REFUNDING_STATES | SETTLING_STATES)),
        )
        .order_by(Product.id)
        .limit(limit)
    )
    return list(rows)


async def _drain_chunk(session: AsyncSession, product_id: int, now: datetime, size: int) -> bool:
    """One chunk; True once the product has nothing left to settle."""
    product = await product_service.lock(session, product_id=product_id)
    if product.orders_settled_at is not None:
        return True
    refunding = product.status in REFUNDING_STATES
    if not refunding and product.status not in SETTLING_STATES:
        return True
    pending = list(
        await session.scalars(
            select(Order)
            .where(Order.product_id == product_id, Order.status == ORDER_PENDING)
            .order_by(Order.id)
            .limit(size)
            .with_for_update()
        )
    )
    for order in pending:
        if refunding:
            await orders.release(
                session, order=order, product=product, status=ORDER_REFUNDED, now=now
            )
        else:
            await _confirm_or_refund(session, order=order, product=product, now=now)
    if len(pending) == size:
        return False
    if not refunding and product.sold_minor > 0:
        await _move_to_settlement(session, product=product, now=now)
    product.orders_settled_at = now
    product.updated_at = now
    return True


async def _confirm_or_refund(
    session: AsyncSession, *, order: Order, product: Product, now: datetime
) -> None:
    try:
        async with session.begin_nested():
            await _confirm(session, order=order, product=product, now=now)
    except DomainError as error:
        # A wallet frozen since the order (e.g. judicially) cannot pay: the order is refunded
        # (releasing a hold is allowed on a frozen account) and the raise goes on without it.
        if error.code not in BLOCKING_CODES:
            raise
        await session.refresh(order)
        await session.refresh(product)
        await orders.release(session, order=order, product=product, status=ORDER_REFUNDED, now=now)


async def _confirm(session: AsyncSession, *, order: Order, product: Product, now: datetime) -> None:
    """The order becomes effective: its money leaves the wallet for escrow; a holding starts."""
    assert order.hold_id is not None and product.value_date and product.maturity_date
    await ledger_service.post_hold(
        session, hold_id=order.hold_id, now=now, reference=orders.escrow_reference(product.id)
    )
    order.status, order.closed_at, order.updated_at = ORDER_CONFIRMED, now, now
    session.add(
        Holding(
            order_id=order.id,
            user_id=order.user_id,
            product_id=product.id,
            principal_minor=order.amount_minor,
            currency=order.currency,
            annual_rate=product.annual_rate,
            rate_boost_bps=order.rate_boost_bps,
            value_date=product.value_date,
            maturity_date=product.maturity_date,
            term_days=product.term_days,
            accrued_days=0,
            accrued_minor=0,
            status=HOLDING_ACCRUING,
            created_at=now,
            updated_at=now,
        )
    )
    if order.coupon_id is not None:
        await marketing_service.settle_coupon(session, order_id=order.id, now=now)
    await marketing_service.award_points_for_investment(
        session, user_id=order.user_id, order_id=order.id, amount_minor=order.amount_minor, now=now
    )
    await session.flush()
    await orders.record(session, order, action="investment.order_confirmed", now=now)


async def _move_to_settlement(session: AsyncSession, *, product: Product, now: datetime) -> None:
    """Everything raised goes on from escrow to the institution in one entry."""
    await ledger_service.transfer(
        session,
        source_type=RAISE_SOURCE,
        source_id=str(product.id),
        code=RAISE_CODE,
        now=now,
        debit_account_id=await orders.escrow_account(session, product_id=product.id, now=now),
        credit_account_id=await settlement_account(
            session, institution_id=product.institution_id, now=now
        ),
        amount=Money(product.sold_minor, product.currency),
        reference=orders.escrow_reference(product.id),
    )
    product.funds_transferred_at = now


async def _snapshot(db: Database, product_id: int) -> dict[str, Any]:
    async with db.transaction(readonly=True) as session:
        return product_service.snapshot(await product_service.get(session, product_id=product_id))


async def due_raise_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Raising products whose window has closed or whose cap is sold out."""
    rows = await session.scalars(
        select(Product.id)
        .where(
            Product.status == product_domain.RAISING,
            (Product.raise_end_at <= now) | (Product.sold_minor >= Product.raise_cap_minor),
        )
        .order_by(Product.id)
        .limit(limit)
    )
    return list(rows)
