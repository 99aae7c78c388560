"""The end of a raise: success posts every hold to the product's escrow and moves the money on
to the institution's settlement account; failure or delisting releases every hold.

Deciding (the product's state) and settling the orders are separate steps: the decision commits
first, then orders are settled in bounded chunks, one transaction each. Each order changes state
in the transaction that moves its money, so a crash between chunks loses nothing and repeats
nothing; ``drain`` (also run by the daily job) picks up where it stopped.

A chunk is set-based: its holds posted or released by one ledger call whose entries, postings
and account totals are computed in the database (``ledger_service.post_holds`` /
``void_holds``), one UPDATE of its orders, its holdings by ``INSERT ... SELECT`` from the orders,
and its events by ``INSERT ... SELECT`` with one audit record for the chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    String,
    Table,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import DomainError
from finplat.core.money import Money
from finplat.events import service as events_service
from finplat.investment import orders
from finplat.investment.events import OrderConfirmed, OrderRefunded
from finplat.investment.models import (
    HOLDING_ACCRUING,
    ORDER_CONFIRMED,
    ORDER_PENDING,
    ORDER_REFUNDED,
    Holding,
    Order,
)
from finplat.investment.policy import get_policy
from finplat.ledger import service as ledger_service
from finplat.marketing import service as marketing_service
from finplat.product import service as product_service

RAISE_SOURCE = "product_raise"
RAISE_CODE = "product_raise"
# Ledger refusals that concern one investor's wallet, not the raise as a whole.
BLOCKING_CODES = frozenset({"ledger.account_frozen", "ledger.account_closed"})
ORDER = cast(Table, Order.__table__)
HOLDING = cast(Table, Holding.__table__)
_ORDER_COLUMNS = (
    Order.id,
    Order.user_id,
    Order.amount_minor,
    Order.currency,
    Order.hold_id,
    Order.coupon_id,
    Order.rate_boost_bps,
)


def settlement_reference(institution_id: int) -> str:
    return f"institution:{institution_id}"


async def settlement_account(session: AsyncSession, *, institution_id: int, now: datetime) -> int:
    return await ledger_service.account_for(
        session,
        kind=ledger_service.INSTITUTION_SETTLEMENT,
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
    await db.run(
        lambda session: product_service.close_raise(
            session, product_id=product_id, now=now, actor_id=actor_id, early=early
        )
    )
    await drain(db, product_id=product_id, now=now)
    return await _snapshot(db, product_id)


async def delist(
    db: Database, *, product_id: int, now: datetime, actor_id: int, reason: str | None
) -> dict[str, Any]:
    """Take an approved or raising product off sale before its raise ends; refund every order.

    Raises ``ProductNotFound``, ``Conflict('product.invalid_state')``,
    ``Conflict('investment.raise_ended')`` (close the raise instead).
    """
    await db.run(
        lambda session: product_service.delist(
            session, product_id=product_id, now=now, actor_id=actor_id, reason=reason
        )
    )
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
    return await product_service.unsettled_ids(session, limit=limit)


async def due_raise_ids(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Raising products whose window has closed or whose cap is sold out."""
    return await product_service.due_raise_ids(session, now=now, limit=limit)


async def _drain_chunk(session: AsyncSession, product_id: int, now: datetime, size: int) -> bool:
    """One chunk, a constant number of statements for any number of orders (coupons aside);
    True once the product has nothing left to settle."""
    product = await product_service.lock(session, product_id=product_id)
    if product.orders_settled_at is not None:
        return True
    refunding = product_service.refunding(product)
    if not refunding and not product_service.settling(product):
        return True
    pending = list(
        (
            await session.execute(
                select(*_ORDER_COLUMNS)
                .where(Order.product_id == product_id, Order.status == ORDER_PENDING)
                .order_by(Order.id)
                .limit(size)
                .with_for_update()
            )
        ).all()
    )
    if refunding:
        reason = "delisted" if product.delisted_at is not None else "raise_failed"
        await _refund(session, product=product, pending=pending, reason=reason, now=now)
    elif pending:
        await _confirm_chunk(session, product=product, pending=pending, now=now)
    if len(pending) == size:
        return False
    if not refunding and product.sold_minor > 0:
        await _move_to_settlement(session, product=product, now=now)
    product_service.mark_orders_settled(product, now=now)
    return True


async def _set_status(
    session: AsyncSession, order_ids: Sequence[int], *, status: str, now: datetime
) -> None:
    """Pending orders to ``status`` in one guarded statement (they are locked by this chunk)."""
    result = await session.execute(
        update(ORDER)
        .where(ORDER.c.id.in_(order_ids), ORDER.c.status == ORDER_PENDING)
        .values(status=status, closed_at=now, updated_at=now)
    )
    changed = cast(CursorResult[Any], result).rowcount
    assert changed == len(order_ids), "the orders of a chunk are locked and pending"


async def _refund(
    session: AsyncSession,
    *,
    product: product_service.Product,
    pending: Sequence[Any],
    reason: str,
    now: datetime,
) -> None:
    """Give the orders' money back: holds voided (allowed on a frozen wallet), coupons
    released, quota returned, one typed event each."""
    if not pending:
        return
    await ledger_service.void_holds(
        session,
        hold_ids=[row.hold_id for row in pending],
        now=now,
        reference=orders.escrow_reference(product.id),
    )
    for row in pending:
        if row.coupon_id is not None:
            await marketing_service.release_coupon(session, order_id=row.id, now=now)
    ids = [row.id for row in pending]
    await _set_status(session, ids, status=ORDER_REFUNDED, now=now)
    product_service.release_quota(
        product,
        amount_minor=sum(row.amount_minor for row in pending),
        orders=len(pending),
        now=now,
    )
    await _record(session, OrderRefunded, product_id=product.id, order_ids=ids, now=now,
                  extra=(literal(reason, String).label("reason"),))


async def _post_unblocked(
    session: AsyncSession,
    *,
    product: product_service.Product,
    pending: Sequence[Any],
    now: datetime,
) -> list[Any]:
    """Post the holds of every order whose wallet takes money; returns the orders refused.

    A wallet frozen since the order (e.g. judicially) cannot pay: its orders are refunded
    instead (releasing a hold is allowed on a frozen account) and the raise goes on without
    them. Wallets are checked first; one frozen between that check and the posting makes the
    ledger refuse, and the posting is tried again without it.
    """
    wallets = await ledger_service.wallets_of(session, [row.user_id for row in pending])
    blocked = await ledger_service.blocked_accounts(session, account_ids=list(wallets.values()))
    while True:
        paying = [row for row in pending if wallets.get(row.user_id) not in blocked]
        if not paying:
            return list(pending)
        try:
            async with session.begin_nested():
                await ledger_service.post_holds(
                    session,
                    hold_ids=[row.hold_id for row in paying],
                    now=now,
                    currency=product.currency,
                    reference=orders.escrow_reference(product.id),
                )
        except DomainError as error:
            if error.code not in BLOCKING_CODES or "account_id" not in error.extra:
                raise
            blocked.add(error.extra["account_id"])
            continue
        return [row for row in pending if wallets.get(row.user_id) in blocked]


async def _confirm_chunk(
    session: AsyncSession,
    *,
    product: product_service.Product,
    pending: Sequence[Any],
    now: datetime,
) -> None:
    """The orders become effective: their money leaves the wallets for escrow; holdings start."""
    assert product.value_date and product.maturity_date
    refused = await _post_unblocked(session, product=product, pending=pending, now=now)
    refused_ids = {row.id for row in refused}
    confirmed = [row for row in pending if row.id not in refused_ids]
    await _refund(session, product=product, pending=refused, reason="wallet_blocked", now=now)
    if not confirmed:
        return
    ids = [row.id for row in confirmed]
    await _set_status(session, ids, status=ORDER_CONFIRMED, now=now)
    await _start_holdings(session, product=product, order_ids=ids, now=now)
    for row in confirmed:
        if row.coupon_id is not None:
            await marketing_service.settle_coupon(session, order_id=row.id, now=now)
    await marketing_service.award_points_for_investments(
        session, awards=[(row.user_id, row.id, row.amount_minor) for row in confirmed], now=now
    )
    await _record(session, OrderConfirmed, product_id=product.id, order_ids=ids, now=now)


async def _start_holdings(
    session: AsyncSession,
    *,
    product: product_service.Product,
    order_ids: Sequence[int],
    now: datetime,
) -> None:
    """A holding per confirmed order, computed from the orders (one ``INSERT ... SELECT``)."""
    o = ORDER.c
    rows = select(
        o.id,
        o.user_id,
        o.product_id,
        o.amount_minor,
        o.currency,
        literal(product.annual_rate, HOLDING.c.annual_rate.type),
        o.rate_boost_bps,
        literal(product.value_date, Date),
        literal(product.maturity_date, Date),
        literal(product.term_days, Integer),
        literal(0, Integer),
        literal(0, BigInteger),
        literal(HOLDING_ACCRUING, String),
        literal(now, HOLDING.c.created_at.type),
        literal(now, HOLDING.c.updated_at.type),
    ).where(o.id.in_(order_ids)).order_by(o.id)
    columns = [
        "order_id",
        "user_id",
        "product_id",
        "principal_minor",
        "currency",
        "annual_rate",
        "rate_boost_bps",
        "value_date",
        "maturity_date",
        "term_days",
        "accrued_days",
        "accrued_minor",
        "status",
        "created_at",
        "updated_at",
    ]
    result = await session.execute(insert(HOLDING).from_select(columns, rows))
    written = cast(CursorResult[Any], result).rowcount
    assert written == len(order_ids), "the orders of a chunk are locked by it"


async def _record(
    session: AsyncSession,
    event_type: type[OrderConfirmed] | type[OrderRefunded],
    *,
    product_id: int,
    order_ids: Sequence[int],
    now: datetime,
    extra: Sequence[Any] = (),
) -> None:
    """The orders' events computed from their rows (one ``INSERT ... SELECT``) and one audit
    record for the chunk, naming its first and last order."""
    o = ORDER.c
    rows = select(
        o.id.label("order_id"), o.user_id, o.product_id, o.amount_minor, o.currency, *extra
    ).where(o.id.in_(order_ids)).order_by(o.id)
    recorded = await events_service.record_selected(
        session,
        event_type,
        rows,
        target_type="investment_product",
        target_id=str(product_id),
        now=now,
        summary={"first_order_id": min(order_ids), "last_order_id": max(order_ids)},
    )
    assert recorded == len(order_ids), "the orders of a chunk are locked by it"


async def _move_to_settlement(
    session: AsyncSession, *, product: product_service.Product, now: datetime
) -> None:
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
    product_service.mark_funds_transferred(product, now=now)


async def _snapshot(db: Database, product_id: int) -> dict[str, Any]:
    async with db.transaction(readonly=True) as session:
        return product_service.snapshot(await product_service.get(session, product_id=product_id))
