"""Maturity: principal plus yield from the institution's settlement account to each wallet.

A payout starts only when the settlement account holds enough for every unpaid holding of the
product; otherwise the product waits in ``payout_pending`` (visible on the product and on each
holding), an alert event is published, and every later run tries again.

Holdings are paid in bounded chunks, one transaction each and a constant number of statements
per chunk (rate-boost coupons aside): the chunk's accrual is completed set-based, then one
ledger entry debits the settlement account once and credits every wallet of the chunk, one
UPDATE marks the holdings paid and one insert records their events. The entry's source is the
chunk's first paid holding (a paid holding is never in a later chunk) and the holdings change
state in the same transaction under their row locks, so nothing is paid twice; the settlement
account cannot go below zero (the ledger's guard), so nothing is paid from money that left
meanwhile: the chunk rolls back and the product waits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict, DomainError
from finplat.core.money import Money
from finplat.events import service as events_service
from finplat.investment import accrual, domain, settlement
from finplat.investment.accrual import HOLDING, HOLDING_COLUMNS
from finplat.investment.events import HoldingPaid, PayoutBlocked, PayoutUnderfunded
from finplat.investment.models import HOLDING_ACCRUING, HOLDING_AWAITING_PAYOUT, HOLDING_PAID
from finplat.investment.policy import get_policy
from finplat.ledger import service as ledger_service
from finplat.marketing import service as marketing_service
from finplat.product import service as product_service

PAYOUT_SOURCE = "investment_payout"
PAYOUT_CODE = "product_payout"
PAYABLE_STATES = product_service.PAYABLE_STATES

MATURED = "matured"
BLOCKED = "blocked"
BLOCKING_CODES = settlement.BLOCKING_CODES
AWAITING_FUNDS = "awaiting_funds"
NOT_DUE = "not_due"


class _Underfunded(Exception):
    """The settlement account ran short in the middle of a chunk: roll the chunk back."""


def full_payout_minor(holding: Any) -> int:
    return holding.principal_minor + domain.accrued_minor(
        principal_minor=holding.principal_minor,
        annual_rate=Decimal(holding.annual_rate),
        days=holding.term_days,
    )


async def due_product_ids(session: AsyncSession, *, business_date: date, limit: int) -> list[int]:
    return await product_service.due_for_payout_ids(
        session, business_date=business_date, limit=limit
    )


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
    h = HOLDING.c
    rows = await session.execute(
        select(h.principal_minor, h.annual_rate, h.term_days).where(
            h.product_id == product_id, h.status != HOLDING_PAID
        )
    )
    return sum(full_payout_minor(row) for row in rows)


async def _check_funds(
    session: AsyncSession, product_id: int, business_date: date, now: datetime
) -> str:
    product = await product_service.lock(session, product_id=product_id)
    if product_service.ready_to_start(product, business_date=business_date):
        # The daily job normally starts the term; a payout tried first starts it here.
        await product_service.start_term(session, product=product, now=now)
    if (
        not product_service.payable(product)
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
    if product_service.running(product):
        await product_service.await_payout(
            session, product=product, now=now, extra={"required_minor": required}, alerted=True
        )
        await session.execute(
            update(HOLDING)
            .where(HOLDING.c.product_id == product_id, HOLDING.c.status == HOLDING_ACCRUING)
            .values(status=HOLDING_AWAITING_PAYOUT, updated_at=now)
        )
    await events_service.emit(
        session,
        PayoutUnderfunded(
            product_id=product.id,
            institution_id=product.institution_id,
            required_minor=required,
            available_minor=available.amount_minor,
            shortfall_minor=required - available.amount_minor,
            business_date=business_date.isoformat(),
        ),
        now=now,
    )
    return AWAITING_FUNDS


async def _locked_unpaid(
    session: AsyncSession, *, product_id: int, after_id: int, size: int
) -> list[Any]:
    h = HOLDING.c
    return list(
        (
            await session.execute(
                select(*HOLDING_COLUMNS)
                .where(h.product_id == product_id, h.status != HOLDING_PAID, h.id > after_id)
                .order_by(h.id)
                .limit(size)
                .with_for_update()
            )
        ).all()
    )


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
    if not product_service.payable(product):
        return None
    assert product.maturity_date is not None
    holdings = await _locked_unpaid(session, product_id=product_id, after_id=after_id, size=size)
    if not holdings:
        return None
    # Accrual completes first (a missed daily run is caught up here), so the payout is the
    # holdings' recorded yield, the same figure the investor has been shown.
    caught_up = await accrual.apply_accruals(
        session,
        holdings=holdings,
        business_date=business_date,
        through_date=product.maturity_date,
        now=now,
    )
    accrued = {h.id: caught_up.get(h.id, (h.accrued_days, h.accrued_minor)) for h in holdings}
    if any(accrued[h.id][0] != h.term_days for h in holdings):
        raise Conflict("investment.accrual_incomplete", "a holding has not accrued its term")
    account_id = await settlement.settlement_account(
        session, institution_id=product.institution_id, now=now
    )
    paid = await _pay_wallets(
        session,
        product=product,
        holdings=holdings,
        accrued=accrued,
        account_id=account_id,
        now=now,
    )
    paid_ids = {h.id for h in paid}
    waiting = [h.id for h in holdings if h.id not in paid_ids]
    if waiting:
        # A frozen (e.g. judicially) wallet takes no money: those holdings wait, the others
        # are paid, and the finish step reports them.
        await session.execute(
            update(HOLDING)
            .where(HOLDING.c.id.in_(waiting))
            .values(status=HOLDING_AWAITING_PAYOUT, updated_at=now)
        )
    if paid:
        await _mark_paid(session, holdings=paid, accrued=accrued, now=now)
    return holdings[-1].id


async def _pay_wallets(
    session: AsyncSession,
    *,
    product: product_service.Product,
    holdings: Sequence[Any],
    accrued: dict[int, tuple[int, int]],
    account_id: int,
    now: datetime,
) -> list[Any]:
    """One entry paying every holding whose wallet takes money; returns those paid.

    Raises ``_Underfunded`` when the settlement account cannot pay them all.
    """
    wallets = await ledger_service.wallets_of(session, [h.user_id for h in holdings])
    assert all(h.user_id in wallets for h in holdings), "an investor's wallet never disappears"
    blocked = await ledger_service.blocked_accounts(session, account_ids=list(wallets.values()))
    while True:
        paying = [h for h in holdings if wallets[h.user_id] not in blocked]
        if not paying:
            return []
        try:
            async with session.begin_nested():
                await ledger_service.transfer_to_many(
                    session,
                    source_type=PAYOUT_SOURCE,
                    source_id=str(paying[0].id),
                    code=PAYOUT_CODE,
                    debit_account_id=account_id,
                    credits=[
                        (
                            wallets[h.user_id],
                            Money(h.principal_minor + accrued[h.id][1], h.currency),
                        )
                        for h in paying
                    ],
                    now=now,
                    reference=f"product:{product.id}",
                    metadata={
                        "holdings": len(paying),
                        "first_holding_id": paying[0].id,
                        "last_holding_id": paying[-1].id,
                    },
                )
        except DomainError as error:
            if error.code == "ledger.insufficient_funds":
                raise _Underfunded() from error
            if error.code not in BLOCKING_CODES or "account_id" not in error.extra:
                raise
            # Frozen between the check and the entry: pay the others without it.
            blocked.add(error.extra["account_id"])
            continue
        return paying


async def _mark_paid(
    session: AsyncSession,
    *,
    holdings: Sequence[Any],
    accrued: dict[int, tuple[int, int]],
    now: datetime,
) -> None:
    h = HOLDING.c
    result = await session.execute(
        update(HOLDING)
        .where(h.id.in_([holding.id for holding in holdings]), h.status != HOLDING_PAID)
        .values(
            status=HOLDING_PAID,
            payout_minor=h.principal_minor + h.accrued_minor,
            boost_paid_minor=0,
            paid_at=now,
            updated_at=now,
        )
    )
    changed = cast(CursorResult[Any], result).rowcount
    assert changed == len(holdings), "the holdings of a chunk are locked by it"
    for holding in holdings:
        if holding.rate_boost_bps > 0:
            await _pay_boost(session, holding=holding, now=now)
    await events_service.record_many(
        session,
        [
            (
                HoldingPaid(
                    holding_id=holding.id,
                    order_id=holding.order_id,
                    user_id=holding.user_id,
                    product_id=holding.product_id,
                    principal_minor=holding.principal_minor,
                    yield_minor=accrued[holding.id][1],
                    currency=holding.currency,
                ),
                holding.id,
            )
            for holding in holdings
        ],
        target_type="investment_holding",
        now=now,
    )


async def _pay_boost(session: AsyncSession, *, holding: Any, now: datetime) -> None:
    """A rate-boost coupon's extra yield, from the campaign's budget (one holding at a time:
    only holdings bought with such a coupon have one)."""
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
    await session.execute(
        update(HOLDING).where(HOLDING.c.id == holding.id).values(boost_paid_minor=boost)
    )


async def _finish(
    session: AsyncSession, product_id: int, business_date: date, now: datetime
) -> str:
    """Mature the product when every holding is paid; otherwise it waits, with an alert."""
    product = await product_service.lock(session, product_id=product_id)
    if not product_service.payable(product):
        return NOT_DUE
    h = HOLDING.c
    unpaid = list(
        await session.scalars(
            select(h.id).where(h.product_id == product_id, h.status != HOLDING_PAID).order_by(h.id)
        )
    )
    if not unpaid:
        await product_service.mature(session, product=product, now=now)
        return MATURED
    if product_service.running(product):
        await product_service.await_payout(
            session, product=product, now=now, extra={"blocked_holdings": len(unpaid)}
        )
    await events_service.emit(
        session,
        PayoutBlocked(
            product_id=product.id,
            holding_ids=unpaid[:100],
            count=len(unpaid),
            business_date=business_date.isoformat(),
        ),
        now=now,
    )
    return BLOCKED
