"""What selling a product does to its row: quota reserved and released by orders, the raise
closed (with its value and maturity dates), delisting, the term started, orders settled, payout
awaited and maturity. The investment package drives these in its own transactions; only this
package writes the product's table. Every function takes the product row locked by
``lifecycle.lock`` in the caller's transaction (``product_id`` variants lock it themselves).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import Conflict
from finplat.product import domain
from finplat.product.lifecycle import lock, transition
from finplat.product.models import Product

# A closed raise whose orders are refunded, or posted to escrow.
REFUNDING_STATES = frozenset({domain.FAILED, domain.DELISTED})
SETTLING_STATES = frozenset({domain.RAISED, domain.RUNNING, domain.PAYOUT_PENDING, domain.MATURED})
# Products whose holdings may be paid out.
PAYABLE_STATES = (domain.RUNNING, domain.PAYOUT_PENDING)


def on_sale(product: Product) -> bool:
    return product.status == domain.RAISING


def refunding(product: Product) -> bool:
    return product.status in REFUNDING_STATES


def settling(product: Product) -> bool:
    return product.status in SETTLING_STATES


def payable(product: Product) -> bool:
    return product.status in PAYABLE_STATES


def running(product: Product) -> bool:
    return product.status == domain.RUNNING


def reserve_quota(product: Product, *, amount_minor: int, now: datetime) -> None:
    """An order took ``amount_minor`` of the raise (checked by the caller under the lock)."""
    assert 0 < amount_minor and product.sold_minor + amount_minor <= product.raise_cap_minor
    product.sold_minor += amount_minor
    product.order_count += 1
    product.updated_at = now


def release_quota(product: Product, *, amount_minor: int, orders: int, now: datetime) -> None:
    """``orders`` orders worth ``amount_minor`` in all gave their share of the raise back."""
    assert 0 <= amount_minor <= product.sold_minor and 0 <= orders <= product.order_count
    product.sold_minor -= amount_minor
    product.order_count -= orders
    product.updated_at = now


async def close_raise(
    session: AsyncSession,
    *,
    product_id: int,
    now: datetime,
    actor_id: int | None,
    early: bool = False,
) -> Product:
    """End the raise: ``raised`` (with value and maturity dates) when the target was met,
    ``failed`` otherwise. Raises ``ProductNotFound``, ``Conflict('product.invalid_state')``,
    ``Conflict('investment.raise_not_ended')`` (the window is open and ``early`` is not set)."""
    product = await lock(session, product_id=product_id)
    domain.next_state("close_raise", product.status)
    if not early and not domain.raise_has_ended(
        now=now,
        raise_end_at=product.raise_end_at,
        sold_minor=product.sold_minor,
        raise_cap_minor=product.raise_cap_minor,
    ):
        raise Conflict("investment.raise_not_ended", "the raise window is still open")
    outcome = domain.raise_outcome(
        sold_minor=product.sold_minor, raise_target_minor=product.raise_target_minor
    )
    closed_at = min(now, product.raise_end_at)
    product.raise_closed_at = closed_at
    if outcome == domain.RAISED:
        product.value_date = domain.value_date(
            raise_closed_at=closed_at, rule=product.yield_start_rule
        )
        product.maturity_date = domain.maturity_date(
            value_date=product.value_date, term_days=product.term_days
        )
    return await transition(
        session,
        product=product,
        action="close_raise",
        target=outcome,
        now=now,
        actor_id=actor_id,
        extra={"sold_minor": product.sold_minor, "raise_target_minor": product.raise_target_minor},
    )


async def delist(
    session: AsyncSession, *, product_id: int, now: datetime, actor_id: int, reason: str | None
) -> Product:
    """Take an approved or raising product off sale before its raise ends.

    Raises ``ProductNotFound``, ``Conflict('product.invalid_state')``,
    ``Conflict('investment.raise_ended')`` (close the raise instead)."""
    product = await lock(session, product_id=product_id)
    if product.status == domain.RAISING and now >= product.raise_end_at:
        raise Conflict(
            "investment.raise_ended", "the raise has ended; close it instead of delisting"
        )
    await transition(
        session,
        product=product,
        action="delist",
        now=now,
        actor_id=actor_id,
        extra={"reason": reason},
    )
    product.delisted_at = now
    return product


def mark_funds_transferred(product: Product, *, now: datetime) -> None:
    """The raised money went on from escrow to the institution's settlement account."""
    product.funds_transferred_at = now


def mark_orders_settled(product: Product, *, now: datetime) -> None:
    """Every order of the closed raise is confirmed or refunded."""
    product.orders_settled_at = now
    product.updated_at = now


def ready_to_start(product: Product, *, business_date: date) -> bool:
    return (
        product.status == domain.RAISED
        and product.orders_settled_at is not None
        and product.value_date is not None
        and product.value_date <= business_date
    )


async def start_term(session: AsyncSession, *, product: Product, now: datetime) -> None:
    """raised -> running. Raises ``Conflict('product.invalid_state')``."""
    await transition(session, product=product, action="start", now=now, actor_id=None)


async def await_payout(
    session: AsyncSession,
    *,
    product: Product,
    now: datetime,
    extra: dict[str, Any],
    alerted: bool = False,
) -> None:
    """running -> payout_pending; ``alerted`` records the first shortfall alert."""
    await transition(
        session, product=product, action="await_payout", now=now, actor_id=None, extra=extra
    )
    if alerted:
        product.payout_alerted_at = now


async def mature(session: AsyncSession, *, product: Product, now: datetime) -> None:
    """Every holding is paid: -> matured."""
    product.matured_at = now
    await transition(session, product=product, action="mature", now=now, actor_id=None)


async def due_raise_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Raising products whose window has closed or whose cap is sold out."""
    rows = await session.scalars(
        select(Product.id)
        .where(
            Product.status == domain.RAISING,
            (Product.raise_end_at <= now) | (Product.sold_minor >= Product.raise_cap_minor),
        )
        .order_by(Product.id)
        .limit(limit)
    )
    return list(rows)


async def unsettled_ids(session: AsyncSession, *, limit: int) -> list[int]:
    """Closed raises whose orders are not all settled or refunded yet."""
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


async def startable_ids(session: AsyncSession, *, business_date: date, limit: int) -> list[int]:
    """Raised products, orders settled, whose value date has come."""
    rows = await session.scalars(
        select(Product.id)
        .where(
            Product.status == domain.RAISED,
            Product.orders_settled_at.is_not(None),
            Product.value_date <= business_date,
        )
        .order_by(Product.id)
        .limit(limit)
    )
    return list(rows)


async def due_for_payout_ids(
    session: AsyncSession, *, business_date: date, limit: int
) -> list[int]:
    rows = await session.scalars(
        select(Product.id)
        .where(Product.status.in_(PAYABLE_STATES), Product.maturity_date <= business_date)
        .order_by(Product.id)
        .limit(limit)
    )
    return list(rows)


async def payable_ids_of_institution(
    session: AsyncSession, *, institution_id: int, limit: int
) -> list[int]:
    """An institution's products due or waiting for their payout, soonest first."""
    rows = await session.scalars(
        select(Product.id)
        .where(Product.institution_id == institution_id, Product.status.in_(PAYABLE_STATES))
        .order_by(Product.maturity_date, Product.id)
        .limit(limit)
    )
    return list(rows)


async def by_ids(session: AsyncSession, *, product_ids: set[int]) -> dict[int, Product]:
    """Products by id (for names and states in views)."""
    if not product_ids:
        return {}
    rows = await session.scalars(select(Product).where(Product.id.in_(sorted(product_ids))))
    return {p.id: p for p in rows}
