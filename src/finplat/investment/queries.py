"""Investor views: orders and holdings (with accrued and expected yield), newest first."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.pagination import Page, PageParams, page_of
from finplat.investment import domain
from finplat.investment.models import Holding, Order
from finplat.investment.orders import order_json
from finplat.product import service as product_service
from finplat.product.service import Product


async def _names(session: AsyncSession, product_ids: set[int]) -> dict[int, Product]:
    return await product_service.by_ids(session, product_ids=product_ids)


def holding_json(holding: Holding, product: Product | None) -> dict[str, Any]:
    rate = Decimal(holding.annual_rate)
    exact = domain.exact_yield(
        principal_minor=holding.principal_minor, annual_rate=rate, days=holding.accrued_days
    )
    expected = domain.accrued_minor(
        principal_minor=holding.principal_minor, annual_rate=rate, days=holding.term_days
    )
    boost = domain.boost_yield_minor(
        principal_minor=holding.principal_minor,
        rate_boost_bps=holding.rate_boost_bps,
        term_days=holding.term_days,
    )
    return {
        "id": holding.id,
        "order_id": holding.order_id,
        "product_id": holding.product_id,
        "product_name": product.name if product else None,
        "product_status": product.status if product else None,
        "status": holding.status,
        "principal_minor": holding.principal_minor,
        "currency": holding.currency,
        "annual_rate": product_service.display_rate(holding.annual_rate),
        "rate_boost_bps": holding.rate_boost_bps,
        "value_date": holding.value_date.isoformat(),
        "maturity_date": holding.maturity_date.isoformat(),
        "expected_payout_date": holding.maturity_date.isoformat(),
        "term_days": holding.term_days,
        "accrued_days": holding.accrued_days,
        "accrued_yield_minor": holding.accrued_minor,
        "accrued_yield_exact": domain.exact_text(exact),
        "expected_yield_minor": expected,
        "expected_boost_minor": boost,
        "expected_payout_minor": holding.principal_minor + expected,
        "payout_minor": holding.payout_minor,
        "boost_paid_minor": holding.boost_paid_minor,
        "paid_at": None if holding.paid_at is None else holding.paid_at.isoformat(),
    }


async def holdings(
    session: AsyncSession, *, user_id: int, page: PageParams
) -> Page[dict[str, Any]]:
    query = select(Holding).where(Holding.user_id == user_id)
    if page.last_id is not None:
        query = query.where(Holding.id < page.last_id)
    rows = list(await session.scalars(query.order_by(Holding.id.desc()).limit(page.fetch_limit)))
    products = await _names(session, {h.product_id for h in rows})
    return page_of(rows, page, item=lambda h: holding_json(h, products.get(h.product_id)))


async def orders(
    session: AsyncSession, *, user_id: int, page: PageParams, status: str | None = None
) -> Page[dict[str, Any]]:
    query = select(Order).where(Order.user_id == user_id)
    if status is not None:
        query = query.where(Order.status == status)
    if page.last_id is not None:
        query = query.where(Order.id < page.last_id)
    rows = list(await session.scalars(query.order_by(Order.id.desc()).limit(page.fetch_limit)))
    products = await _names(session, {o.product_id for o in rows})

    def item(order: Order) -> dict[str, Any]:
        product = products.get(order.product_id)
        return {**order_json(order), "product_name": product.name if product else None}

    return page_of(rows, page, item=item)


async def order(session: AsyncSession, *, user_id: int, order_id: int) -> dict[str, Any] | None:
    row = await session.scalar(select(Order).where(Order.id == order_id, Order.user_id == user_id))
    return None if row is None else order_json(row)
