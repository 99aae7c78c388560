"""Placing and cancelling orders: every rule checked under a lock on the product row, the
funds held in the wallet (a ledger hold towards the product's escrow) in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import idempotency
from finplat.core.db import Database
from finplat.core.errors import Conflict, Forbidden, NotFound
from finplat.core.money import Money
from finplat.events import service as events_service
from finplat.investment import domain, suitability
from finplat.investment.events import OrderCancelled, OrderPlaced
from finplat.investment.models import (
    ORDER_CANCELLED,
    ORDER_CONFIRMED,
    ORDER_PENDING,
    Order,
)
from finplat.ledger import service as ledger_service
from finplat.marketing import service as marketing_service
from finplat.product import service as product_service
from finplat.product.service import MISMATCH_WARNING, RISK_DISCLOSURE, Product

ORDER_SOURCE = "investment_order"
INVEST_CODE = "invest"


class OrderNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("investment.order_not_found", "no such order")


def order_json(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "product_id": order.product_id,
        "status": order.status,
        "amount_minor": order.amount_minor,
        "currency": order.currency,
        "coupon_id": order.coupon_id,
        "coupon_kind": order.coupon_kind,
        "cashback_minor": order.cashback_minor,
        "rate_boost_bps": order.rate_boost_bps,
        "disclosure_version": order.disclosure_version,
        "investor_risk_level": order.investor_risk_level,
        "risk_mismatch_acknowledged": order.risk_mismatch_acknowledged,
        "risk_warning_version": order.risk_warning_version,
        "risk_acknowledged_at": _iso(order.risk_acknowledged_at),
        "created_at": _iso(order.created_at),
        "closed_at": _iso(order.closed_at),
    }


def escrow_reference(product_id: int) -> str:
    return f"product:{product_id}"


async def escrow_account(session: AsyncSession, *, product_id: int, now: datetime) -> int:
    return await ledger_service.account_for(
        session,
        kind=ledger_service.PRODUCT_ESCROW,
        reference=escrow_reference(product_id),
        now=now,
    )


async def place_order(
    db: Database,
    *,
    user_id: int,
    product_id: int,
    amount_minor: int,
    disclosure_version: int | None,
    coupon_id: int | None,
    acknowledge_risk_mismatch: bool,
    risk_warning_version: int | None,
    idempotency_key: str,
    now: datetime,
) -> idempotency.Outcome:
    """Buy into a raising product; 201 with the order, replayed for the same Idempotency-Key.

    Raises ``Forbidden`` (``investment.assessment_required``, ``investment.suitability_mismatch``,
    ``investment.qualification_required``), ``Conflict`` (``investment.not_on_sale``,
    ``investment.disclosure_outdated``, ``investment.warning_outdated``,
    ``investment.investor_limit_exceeded``, ``investment.quota_exceeded``,
    ``ledger.insufficient_funds``, ``marketing.*``), ``InvalidInput`` (minimum, step),
    ``ProductNotFound``, ``Conflict('idempotency.key_reused')``.
    """
    payload = {
        "product_id": product_id,
        "amount_minor": amount_minor,
        "disclosure_version": disclosure_version,
        "coupon_id": coupon_id,
        "acknowledge_risk_mismatch": acknowledge_risk_mismatch,
        "risk_warning_version": risk_warning_version,
    }

    async def work(session: AsyncSession) -> idempotency.Outcome:
        # The row lock serialises every order of this product: the quota check below and the
        # sold amount it updates cannot interleave with another order's.
        product = await product_service.lock(session, product_id=product_id)
        _require_on_sale(product, now)
        confirmed_version = await _require_current_disclosure(session, product, disclosure_version)
        order = await _new_order(
            session,
            product=product,
            user_id=user_id,
            amount_minor=amount_minor,
            disclosure_version=confirmed_version,
            acknowledged=acknowledge_risk_mismatch,
            warning_version=risk_warning_version,
            now=now,
        )
        await _hold_funds(session, order=order, product=product, now=now)
        if coupon_id is not None:
            await _reserve_coupon(session, order=order, coupon_id=coupon_id, now=now)
        product_service.reserve_quota(product, amount_minor=amount_minor, now=now)
        await session.flush()
        await record(session, order, now=now, sold_minor=product.sold_minor)
        return idempotency.Outcome(201, order_json(order))

    return await idempotency.execute(
        db,
        scope=f"investment.order:{user_id}",
        key=idempotency_key,
        payload=payload,
        work=work,
        now=now,
    )


async def cancel_order(
    db: Database, *, user_id: int, order_id: int, now: datetime
) -> dict[str, Any]:
    """Cancel a pending order while its product still raises: the hold is released. Returns the
    order as ``GET /me/orders/{id}`` shows it.

    Raises ``OrderNotFound`` (also for another user's order) and
    ``Conflict('investment.order_not_cancellable')``.
    """

    async def work(session: AsyncSession) -> dict[str, Any]:
        product_id = await session.scalar(
            select(Order.product_id).where(Order.id == order_id, Order.user_id == user_id)
        )
        if product_id is None:
            raise OrderNotFound()
        product = await product_service.lock(session, product_id=product_id)
        order = await _locked_order(session, order_id)
        if (
            order.status != ORDER_PENDING
            or not product_service.on_sale(product)
            or now >= product.raise_end_at
        ):
            raise Conflict(
                "investment.order_not_cancellable",
                "only a pending order of a product still raising can be cancelled",
                extra={"order_status": order.status, "product_status": product.status},
            )
        await release(session, order=order, product=product, status=ORDER_CANCELLED, now=now)
        return order_json(order)

    return await db.run(work)


async def release(
    session: AsyncSession, *, order: Order, product: Product, status: str, now: datetime
) -> None:
    """Give a pending order's money back (hold voided, coupon released, quota returned)."""
    assert order.status == ORDER_PENDING and order.hold_id is not None
    await ledger_service.void_hold(
        session, hold_id=order.hold_id, now=now, reference=escrow_reference(product.id)
    )
    if order.coupon_id is not None:
        await marketing_service.release_coupon(session, order_id=order.id, now=now)
    order.status, order.closed_at, order.updated_at = status, now, now
    product_service.release_quota(product, amount_minor=order.amount_minor, orders=1, now=now)
    await session.flush()
    await record(session, order, now=now)


async def _new_order(
    session: AsyncSession,
    *,
    product: Product,
    user_id: int,
    amount_minor: int,
    disclosure_version: int,
    acknowledged: bool,
    warning_version: int | None,
    now: datetime,
) -> Order:
    """Suitability, qualification and amount rules; the new order row (flushed, with an id)."""
    assessment = await suitability.current_assessment(session, user_id=user_id, now=now)
    level = assessment.risk_level if assessment is not None else None
    mismatch = domain.check_suitability(
        investor_level=level, product_risk_level=product.risk_level, acknowledged=acknowledged
    )
    if mismatch:
        warning_version = await _require_current_warning(session, product, warning_version)
    if product.qualified_only:
        await suitability.require_qualified(session, user_id=user_id)
    already = await session.scalar(
        select(func.coalesce(func.sum(Order.amount_minor), 0)).where(
            Order.user_id == user_id,
            Order.product_id == product.id,
            Order.status.in_((ORDER_PENDING, ORDER_CONFIRMED)),
        )
    )
    domain.check_order_amount(
        amount_minor=amount_minor,
        min_amount_minor=product.min_amount_minor,
        step_amount_minor=product.step_amount_minor,
        max_per_investor_minor=product.max_per_investor_minor,
        already_ordered_minor=int(already or 0),
        sold_minor=product.sold_minor,
        raise_cap_minor=product.raise_cap_minor,
    )
    assert level is not None
    order = Order(
        user_id=user_id,
        product_id=product.id,
        amount_minor=amount_minor,
        currency=product.currency,
        status=ORDER_PENDING,
        cashback_minor=0,
        rate_boost_bps=0,
        disclosure_version=disclosure_version,
        investor_risk_level=level,
        risk_mismatch_acknowledged=mismatch,
        risk_warning_version=warning_version if mismatch else None,
        risk_acknowledged_at=now if mismatch else None,
        created_at=now,
        updated_at=now,
    )
    session.add(order)
    await session.flush()
    return order


async def _hold_funds(
    session: AsyncSession, *, order: Order, product: Product, now: datetime
) -> None:
    """Freeze the order's amount in the wallet, towards the product's escrow."""
    wallet_id = await ledger_service.wallet_of(session, order.user_id)
    if wallet_id is None:
        raise Forbidden("investment.wallet_required", "verify your identity to open a wallet")
    order.hold_id = await ledger_service.hold(
        session,
        source_type=ORDER_SOURCE,
        source_id=str(order.id),
        code=INVEST_CODE,
        debit_account_id=wallet_id,
        credit_account_id=await escrow_account(session, product_id=product.id, now=now),
        amount=Money(order.amount_minor, product.currency),
        now=now,
        reference=escrow_reference(product.id),
        metadata={"order_id": order.id},
    )


async def _reserve_coupon(
    session: AsyncSession, *, order: Order, coupon_id: int, now: datetime
) -> None:
    terms = await marketing_service.reserve_coupon(
        session,
        user_id=order.user_id,
        coupon_id=coupon_id,
        order_id=order.id,
        product_id=order.product_id,
        order_amount_minor=order.amount_minor,
        now=now,
    )
    order.coupon_id, order.coupon_kind = coupon_id, terms.kind
    order.cashback_minor, order.rate_boost_bps = terms.cashback_minor, terms.rate_boost_bps


def _require_on_sale(product: Product, now: datetime) -> None:
    if not product_service.on_sale(product):
        raise Conflict(
            "investment.not_on_sale",
            f"the product is {product.status}, not raising",
            extra={"product_status": product.status},
        )
    if now < product.raise_start_at:
        raise Conflict(
            "investment.not_on_sale",
            "the raise has not started yet",
            extra={"raise_start_at": product.raise_start_at.isoformat()},
        )
    if now >= product.raise_end_at:
        raise Conflict(
            "investment.not_on_sale",
            "the raise has ended",
            extra={"raise_end_at": product.raise_end_at.isoformat()},
        )


async def _require_current_disclosure(
    session: AsyncSession, product: Product, version: int | None
) -> int:
    """The disclosure version the order records as confirmed.

    A client that names no version confirms the one in force now (API.md's order body has no
    version); a client that names an older one has shown the investor outdated text: refused.
    """
    current = await product_service.latest_disclosure(
        session, product_id=product.id, kind=RISK_DISCLOSURE
    )
    if current is not None and version is None:
        return int(current.version)
    if current is None or current.version != version:
        raise Conflict(
            "investment.disclosure_outdated",
            "read and confirm the product's current risk disclosure",
            extra={"current_version": None if current is None else current.version},
        )
    return int(current.version)


async def _require_current_warning(
    session: AsyncSession, product: Product, version: int | None
) -> int:
    """The mismatch-warning version the order records as acknowledged (see the disclosure)."""
    current = await product_service.latest_disclosure(
        session, product_id=product.id, kind=MISMATCH_WARNING
    )
    if current is not None and version is None:
        return int(current.version)
    if current is None or current.version != version:
        raise Conflict(
            "investment.warning_outdated",
            "read and confirm the product's current risk-mismatch warning",
            extra={"current_version": None if current is None else current.version},
        )
    return int(current.version)


async def _locked_order(session: AsyncSession, order_id: int) -> Order:
    order = await session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise OrderNotFound()
    return order


async def record(
    session: AsyncSession, order: Order, *, now: datetime, sold_minor: int | None = None
) -> None:
    """The audit record and event of an order placed or cancelled (by its status)."""
    facts: dict[str, Any] = {
        "order_id": order.id, "user_id": order.user_id, "product_id": order.product_id,
        "amount_minor": order.amount_minor, "currency": order.currency,
    }
    event = (OrderPlaced(**facts, coupon_id=order.coupon_id) if order.status == ORDER_PENDING
             else OrderCancelled(**facts))
    summary = {**event.payload(), "status": order.status}
    if sold_minor is not None:
        summary["sold_minor"] = sold_minor
    await events_service.record(session, event, target_type="investment_order",
                                target_id=order.id, now=now, summary=summary)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
