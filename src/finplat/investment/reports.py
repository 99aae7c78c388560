"""Read-side figures for the people who run products: what each product sold and to how many
investors (reviewers, and the institution for its own products), the institution's upcoming
maturity payouts and the movements of its settlement account. Each function is one read
transaction returning the response body."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.pagination import Page, PageParams, cursor_id
from finplat.investment import payout, settlement
from finplat.investment.models import (
    HOLDING_PAID,
    ORDER_CONFIRMED,
    ORDER_PENDING,
    Holding,
    Order,
)
from finplat.investment.schemas import ProductSalesOut, SettlementLineOut, UpcomingPayoutOut
from finplat.ledger import service as ledger_service
from finplat.product import queries as product_queries
from finplat.product import service as product_service
from finplat.product.schemas import product_out

ORDER_STATES = ("pending", "confirmed", "cancelled", "refunded")
# What the settlement account's lines are, by the entry codes that write them.
MOVEMENT_CODES = {
    "funding": ("settlement_funding",),
    "withdrawal": ("settlement_withdrawal",),
    "raise": (settlement.RAISE_CODE,),
    "payout": (payout.PAYOUT_CODE,),
}


def progress_bps(*, sold_minor: int, target_minor: int) -> int:
    """Sold as a share of the raise target in basis points (10000 = target met), rounded down;
    above 10000 when more than the target was sold (up to the cap)."""
    return sold_minor * 10_000 // target_minor if target_minor > 0 else 0


async def _order_counts(session: AsyncSession, product_ids: Sequence[int]
                        ) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {pid: dict.fromkeys(ORDER_STATES, 0) for pid in product_ids}
    rows = await session.execute(
        select(Order.product_id, Order.status, func.count())
        .where(Order.product_id.in_(list(product_ids)))
        .group_by(Order.product_id, Order.status))
    for product_id, status, count in rows:
        counts[product_id][status] = int(count)
    return counts


async def _investors(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, int]:
    """Distinct investors with an order that is waiting or went through."""
    rows = await session.execute(
        select(Order.product_id, func.count(distinct(Order.user_id)))
        .where(Order.product_id.in_(list(product_ids)),
               Order.status.in_((ORDER_PENDING, ORDER_CONFIRMED)))
        .group_by(Order.product_id))
    return {product_id: int(count) for product_id, count in rows}


async def _holders(session: AsyncSession, product_ids: Sequence[int]
                   ) -> dict[int, tuple[int, int]]:
    """Per product: distinct holders not yet paid out, and the principal they hold."""
    rows = await session.execute(
        select(Holding.product_id, func.count(distinct(Holding.user_id)),
               func.coalesce(func.sum(Holding.principal_minor), 0))
        .where(Holding.product_id.in_(list(product_ids)), Holding.status != HOLDING_PAID)
        .group_by(Holding.product_id))
    return {product_id: (int(count), int(principal)) for product_id, count, principal in rows}


async def _sales_out(session: AsyncSession, products: Sequence[Any]) -> list[ProductSalesOut]:
    ids = [product.id for product in products]
    if not ids:
        return []
    orders = await _order_counts(session, ids)
    investors = await _investors(session, ids)
    holders = await _holders(session, ids)
    items = []
    for product in products:
        holders_count, principal = holders.get(product.id, (0, 0))
        base = product_out(product_service.snapshot(product))
        items.append(ProductSalesOut(
            **base.model_dump(),
            raise_progress_bps=progress_bps(sold_minor=product.sold_minor,
                                            target_minor=product.raise_target_minor),
            orders_by_status=orders[product.id],
            investors_count=investors.get(product.id, 0),
            holders_count=holders_count,
            principal_held_minor=principal,
        ))
    return items


async def product_sales(db: Database, *, product_id: int,
                        institution_id: int | None) -> ProductSalesOut:
    """One product's sales figures; ``institution_id``: only that institution's product.

    Raises ``ProductNotFound`` (also for another institution's product)."""
    async with db.transaction(readonly=True) as session:
        product = await product_service.get(session, product_id=product_id)
        if institution_id is not None and product.institution_id != institution_id:
            raise product_service.ProductNotFound()
        return (await _sales_out(session, [product]))[0]


async def sales_page(db: Database, *, page: PageParams, institution_id: int | None,
                     status: str | None, sort: str) -> Page[ProductSalesOut]:
    """Products (of one institution, or all) with their sales figures, in ``sort`` order.
    Raises ``InvalidInput`` (sort, cursor)."""
    async with db.transaction(readonly=True) as session:
        rows, next_cursor = await product_queries.list_products(
            session, limit=page.limit, cursor=page.cursor,
            statuses=None if status is None else frozenset({status}), risk_level=None,
            product_type=None, institution_id=institution_id, sort=sort)
        return Page[ProductSalesOut](items=await _sales_out(session, rows),
                                     next_cursor=next_cursor)


async def upcoming_payouts(db: Database, *, institution_id: int,
                           page: PageParams) -> Page[UpcomingPayoutOut]:
    """The institution's products still to be paid out at maturity, soonest first, each with
    what its unpaid holdings will need from the settlement account."""
    async with db.transaction(readonly=True) as session:
        found = await product_queries.payout_schedule(session, institution_id=institution_id,
                                                      page=page)
        holders = await _holders(session, [product.id for product in found.items])
        items = []
        for product in found.items:
            assert product.maturity_date is not None, "the schedule holds dated products"
            count, principal = holders.get(product.id, (0, 0))
            items.append(UpcomingPayoutOut(
                product_id=product.id, product_name=product.name, status=product.status,
                maturity_date=product.maturity_date, holders_count=count,
                principal_minor=principal,
                amount_due_minor=await payout.required_minor(session, product_id=product.id),
                currency=product.currency))
    return Page[UpcomingPayoutOut](items=items, next_cursor=found.next_cursor)


async def settlement_movements(db: Database, *, institution_id: int, page: PageParams,
                               kind: str | None) -> Page[SettlementLineOut]:
    """The settlement account's lines newest first (``kind``: one of ``MOVEMENT_CODES``); none
    before the account is first used. Raises ``InvalidInput`` (bad cursor)."""
    # Checked first: a cursor we did not issue is a 422 even while there is nothing to page.
    cursor_id(page.cursor)
    async with db.transaction(readonly=True) as session:
        account_id = await ledger_service.find_account(
            session, kind=ledger_service.INSTITUTION_SETTLEMENT,
            reference=settlement.settlement_reference(institution_id))
        if account_id is None:
            return Page[SettlementLineOut](items=[], next_cursor=None)
        lines = await ledger_service.statement(
            session, account_id=account_id, codes=MOVEMENT_CODES[kind] if kind else None,
            cursor=page.cursor, limit=page.limit)
    return Page[SettlementLineOut](items=[SettlementLineOut(**line.as_json())
                                          for line in lines.items],
                                   next_cursor=lines.next_cursor)
