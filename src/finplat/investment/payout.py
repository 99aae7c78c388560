"""Maturity: principal plus yield from the institution's settlement account to each wallet.

A payout starts only when the settlement account holds enough for every unpaid holding of the
product; otherwise the product waits in ``payout_pending`` (visible on the product and on each
holding), an alert event is published, and every later run tries again. Each holding is paid
by its own ledger entry whose source is the holding, so nothing can be paid twice, and the
settlement account cannot go below zero (the ledger's guard), so nothing is paid from money
that left meanwhile: the chunk rolls back and the product waits.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict, DomainError
from finplat.core.money import Money
from finplat.events import service as events_service
from finplat.investment import accrual, domain, settlement
from finplat.investment.models import (
    HOLDING_ACCRUING,
    HOLDING_AWAITING_PAYOUT,
    HOLDING_PAID,
    Holding,
)
from finplat.investment.policy import get_policy
from finplat.ledger import service as ledger_service
from finplat.marketing import service as marketing_service
from finplat.product import domain as product_domain
from finplat.product import service as product_service
from finplat.product.models import Product

PAYOUT_SOURCE = "investment_payout"
PAYOUT_CODE = "product_payout"
PAYABLE_STATES = (product_domain.RUNNING, product_domain.PAYOUT_PENDING)

MATURED = "matured"
BLOCKED = "blocked"
BLOCKING_CODES = settlement.BLOCKING_CODES
AWAITING_FUNDS = "awaiting_funds"
NOT_DUE = "not_due"


class _Underfunded(Exception):
    """The settlement account ran short in the middle of a chunk: roll the chunk back."""


def full_payout_minor(holding: Holding) -> int:
    return holding.principal_minor + domain.accrued_minor(
        principal_minor=holding.principal_minor,
        annual_rate=Decimal(holding.annual_rate),
        days=holding.term_days,
    )


async def due_product_ids(session: AsyncSession, *, business_date: date, limit: int) -> list[int]:
    rows = await session.scalars(
        select(Product.id)
        .where(Product.status.in_(PAYABLE_STATES), Product.maturity_date <= business_date)
        .order_by(Product.id)
        .limit(limit)
    )
    return list(rows)


async def pay_product(
    db: Database,
    *,
    product_id: int,
    business_date: date,
    now: datetime,
    chunk_size: int | None = None,
) -> str:
    """Pay a matured product's holdings: ``matured``, ``awaiting_funds``, ``blocked`` (some
    wallets refused the money and wait) or ``not_due``.

    Raises ``ProductNotFound``.
    """
    size = chunk_size or get_policy().payout_chunk_size
    verdict = await db.run(lambda s: _check_funds(s, product_id, business_date, now))
    if verdict != "pay":
        return verdict
    after_id = 0
    while True:
        try:
            last_id = await db.run(
                partial(
                    _pay_chunk,
                    product_id=product_id,
                    business_date=business_date,
                    now=now,
                    size=size,
                    after_id=after_id,
                )
            )
        except _Underfunded:
            await db.run(lambda s: _check_funds(s, product_id, business_date, now))
            return AWAITING_FUNDS
        if last_id is None:
            return await db.run(lambda s: _finish(s, product_id, business_date, now))
        after_id = last_id


async def required_minor(session: AsyncSession, *, product_id: int) -> int:
    """What the unpaid holdings of a product will be paid at maturity in total."""
    rows = await session.scalars(
        select(Holding).where(Holding.product_id == product_id, Holding.status != HOLDING_PAID)
    )
    return sum(full_payout_minor(h) for h in rows)


async def _check_funds(
    session: AsyncSession, product_id: int, business_date: date, now: datetime
) -> str:
    product = await product_service.lock(session, product_id=product_id)
    if (
        product.status == product_domain.RAISED
        and product.orders_settled_at is not None
        and product.value_date is not None
        and product.value_date <= business_date
    ):
        # The daily job normally starts the term; a payout tried first starts it here.
        await product_service.transition(
            session, product=product, action="start", now=now, actor_id=None
        )
    if (
        product.status not in PAYABLE_STATES
        or product.maturity_date is None
        or product.maturity_date > business_date
    ):
        return NOT_DUE
    required = await required_minor(session, product_id=product_id)
    account_id = await settlement.settlement_account(
        session, institution_id=product.institution_id, now=now
    )
    available = (await ledger_service.balance(session, account_id=account_id)).available
    if available.amount_minor >= required:
        return "pay"
    if product.status == product_domain.RUNNING:
        await product_service.transition(
            session,
            product=product,
            action="await_payout",
            now=now,
            actor_id=None,
            extra={"required_minor": required},
        )
        product.payout_alerted_at = now
        await session.execute(
            update(Holding)
            .where(Holding.product_id == product_id, Holding.status == HOLDING_ACCRUING)
            .values(status=HOLDING_AWAITING_PAYOUT, updated_at=now)
        )
    await events_service.publish(
        session,
        topic="investment.payout_underfunded",
        now=now,
        payload={
            "product_id": product.id,
            "institution_id": product.institution_id,
            "required_minor": required,
            "available_minor": available.amount_minor,
            "shortfall_minor": required - available.amount_minor,
            "business_date": business_date.isoformat(),
        },
    )
    return AWAITING_FUNDS


async def _pay_chunk(
    session: AsyncSession,
    *,
    product_id: int,
    business_date: date,
    now: datetime,
    size: int,
    after_id: int,
) -> int | None:
    """Pay up to ``size`` unpaid holdings after ``after_id``; the last id looked at, or None."""
    product = await product_service.lock(session, product_id=product_id)
    if product.status not in PAYABLE_STATES:
        return None
    assert product.maturity_date is not None
    account_id = await settlement.settlement_account(
        session, institution_id=product.institution_id, now=now
    )
    holdings = list(
        await session.scalars(
            select(Holding)
            .where(
                Holding.product_id == product_id,
                Holding.status != HOLDING_PAID,
                Holding.id > after_id,
            )
            .order_by(Holding.id)
            .limit(size)
            .with_for_update()
        )
    )
    for holding in holdings:
        try:
            async with session.begin_nested():
                await _pay_holding(
                    session,
                    holding=holding,
                    settlement_account_id=account_id,
                    business_date=business_date,
                    maturity_date=product.maturity_date,
                    now=now,
                )
        except DomainError as error:
            # The settlement account cannot go below zero (the ledger refuses): money that
            # left it meanwhile rolls the whole chunk back to wait for funds.
            if error.code == "ledger.insufficient_funds":
                raise _Underfunded() from error
            # A frozen (e.g. judicially) wallet takes no money: that holding waits, the
            # others are paid, and the finish step reports it.
            if error.code not in BLOCKING_CODES:
                raise
            await session.refresh(holding)
            holding.status, holding.updated_at = HOLDING_AWAITING_PAYOUT, now
    return holdings[-1].id if holdings else None


async def _finish(
    session: AsyncSession, product_id: int, business_date: date, now: datetime
) -> str:
    """Mature the product when every holding is paid; otherwise it waits, with an alert."""
    product = await product_service.lock(session, product_id=product_id)
    if product.status not in PAYABLE_STATES:
        return NOT_DUE
    unpaid = list(
        await session.scalars(
            select(Holding.id).where(
                Holding.product_id == product_id, Holding.status != HOLDING_PAID
            )
        )
    )
    if not unpaid:
        product.matured_at = now
        await product_service.transition(
            session, product=product, action="mature", now=now, actor_id=None
        )
        return MATURED
    if product.status == product_domain.RUNNING:
        await product_service.transition(
            session,
            product=product,
            action="await_payout",
            now=now,
            actor_id=None,
            extra={"blocked_holdings": len(unpaid)},
        )
    await events_service.publish(
        session,
        topic="investment.payout_blocked",
        now=now,
        payload={
            "product_id": product.id,
            "holding_ids": unpaid[:100],
            "count": len(unpaid),
            "business_date": business_date.isoformat(),
        },
    )
    return BLOCKED


async def _pay_holding(
    session: AsyncSession,
    *,
    holding: Holding,
    settlement_account_id: int,
    business_date: date,
    maturity_date: date,
    now: datetime,
) -> None:
    # Accrual completes first (a missed daily run is caught up here), so the payout is the
    # holding's recorded yield, the same figure the investor has been shown.
    await accrual.apply_accrual(
        session, holding=holding, business_date=business_date, through_date=maturity_date, now=now
    )
    if holding.accrued_days != holding.term_days:
        raise Conflict("investment.accrual_incomplete", "the holding has not accrued its term")
    wallet_id = await ledger_service.wallet_of(session, holding.user_id)
    assert wallet_id is not None, "an investor's wallet never disappears while they hold"
    amount = holding.principal_minor + holding.accrued_minor
    await ledger_service.transfer(
        session,
        source_type=PAYOUT_SOURCE,
        source_id=str(holding.id),
        code=PAYOUT_CODE,
        now=now,
        debit_account_id=settlement_account_id,
        credit_account_id=wallet_id,
        amount=Money(amount, holding.currency),
        reference=f"product:{holding.product_id}",
        metadata={"principal_minor": holding.principal_minor, "yield_minor": holding.accrued_minor},
    )
    boost = 0
    if holding.rate_boost_bps > 0:
        boost = await marketing_service.pay_rate_boost(
            session,
            order_id=holding.order_id,
            now=now,
            amount_minor=domain.boost_yield_minor(
                principal_minor=holding.principal_minor,
                rate_boost_bps=holding.rate_boost_bps,
                term_days=holding.term_days,
            ),
        )
    holding.status, holding.payout_minor, holding.boost_paid_minor = HOLDING_PAID, amount, boost
    holding.paid_at = holding.updated_at = now
    await session.flush()
    await events_service.publish(
        session,
        topic="investment.holding_paid",
        now=now,
        payload={
            "holding_id": holding.id,
            "order_id": holding.order_id,
            "user_id": holding.user_id,
            "product_id": holding.product_id,
            "amount_minor": amount,
            "boost_minor": boost,
        },
    )
