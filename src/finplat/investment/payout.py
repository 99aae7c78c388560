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
from functools import partial
from typing import Any, cast

from sqlalchemy import BigInteger, and_, case, func, literal, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict, DomainError
from finplat.core.statements import int_div
from finplat.events import service as events_service
from finplat.investment import accrual, domain, settlement
from finplat.investment.accrual import HOLDING
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
    size = chunk_size or get_policy().maturity_chunk_size
    verdict = await db.run(lambda s: _check_funds(s, product_id, business_date, now))
    if verdict != "pay":
        return verdict
    after_id = 0
    while True:
        try:
            last_id, more = await db.run(
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
        if not more:
            return await db.run(lambda s: _finish(s, product_id, business_date, now))
        after_id = last_id


async def required_minor(session: AsyncSession, *, product_id: int) -> int:
    """What the unpaid holdings of a product will be paid at maturity in total: principal plus
    the full term's yield (``domain.accrued_minor_scaled``, the same rounding as in Python),
    summed in the database (its distinct rates read first, each a bind parameter)."""
    h = HOLDING.c
    unpaid = and_(h.product_id == product_id, h.status != HOLDING_PAID)
    rates = sorted(set(await session.scalars(select(h.annual_rate).where(unpaid).distinct())))
    if not rates:
        return 0
    rate = case(
        {text: literal(domain.rate_millionths(text), BigInteger) for text in rates},
        value=h.annual_rate,
    )
    full = h.principal_minor + domain.accrued_minor_scaled(
        h.principal_minor, rate, h.term_days, int_div
    )
    return int(await session.scalar(select(func.coalesce(func.sum(full), 0)).where(unpaid)) or 0)


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
    """The next ``size`` unpaid holdings, locked: what the chunk's statements need in Python
    (the rest is computed from the rows in the database)."""
    h = HOLDING.c
    return list(
        (
            await session.execute(
                select(h.id, h.value_date, h.annual_rate, h.rate_boost_bps, h.order_id,
                       h.principal_minor, h.term_days, h.accrued_days)
                .where(h.product_id == product_id, h.status != HOLDING_PAID, h.id > after_id)
                .order_by(h.id)
                .limit(size)
                .with_for_update()
            )
        ).all()
    )


def _chunk(product_id: int, after_id: int, last_id: int, waiting: Sequence[int] = ()) -> Any:
    """The chunk's unpaid holdings (the rows locked by ``_locked_unpaid``), less ``waiting``."""
    h = HOLDING.c
    where = and_(h.product_id == product_id, h.id > after_id, h.id <= last_id,
                 h.status != HOLDING_PAID)
    return and_(where, h.id.not_in(waiting)) if waiting else where


async def _pay_chunk(
    session: AsyncSession,
    *,
    product_id: int,
    business_date: date,
    now: datetime,
    size: int,
    after_id: int,
) -> tuple[int, bool]:
    """Pay up to ``size`` unpaid holdings after ``after_id``; the last id looked at and
    whether more may follow (a full chunk)."""
    product = await product_service.lock(session, product_id=product_id)
    if not product_service.payable(product):
        return after_id, False
    assert product.maturity_date is not None
    holdings = await _locked_unpaid(session, product_id=product_id, after_id=after_id, size=size)
    if not holdings:
        return after_id, False
    last_id = holdings[-1].id
    chunk = _chunk(product_id, after_id, last_id)
    # Accrual completes first (a missed daily run is caught up here), so the payout is the
    # holdings' recorded yield, the same figure the investor has been shown.
    h = HOLDING.c
    short = select(func.count()).where(chunk, h.accrued_days != h.term_days)
    if any(holding.accrued_days != holding.term_days for holding in holdings):
        await accrual.accrue_where(
            session,
            where=chunk,
            value_dates={holding.value_date for holding in holdings},
            rates={holding.annual_rate for holding in holdings},
            business_date=business_date,
            through_date=product.maturity_date,
            now=now,
        )
        if await session.scalar(short):
            raise Conflict("investment.accrual_incomplete", "a holding has not accrued its term")
    account_id = await settlement.settlement_account(
        session, institution_id=product.institution_id, now=now
    )
    waiting = await _pay_wallets(
        session, product=product, chunk=(after_id, last_id), account_id=account_id, now=now,
        holdings=len(holdings),
    )
    if waiting:
        # A frozen (e.g. judicially) wallet takes no money: those holdings wait, the others
        # are paid, and the finish step reports them.
        await session.execute(
            update(HOLDING)
            .where(HOLDING.c.id.in_(waiting))
            .values(status=HOLDING_AWAITING_PAYOUT, updated_at=now)
        )
    waiting_ids = set(waiting)
    paid = [holding for holding in holdings if holding.id not in waiting_ids]
    if paid:
        await _mark_paid(
            session, product_id=product_id, chunk=(after_id, last_id), waiting=waiting,
            boosted=[holding for holding in paid if holding.rate_boost_bps > 0], now=now,
        )
    return last_id, len(holdings) == size


def _credits(product_id: int, chunk: tuple[int, int], waiting: Sequence[int]) -> Any:
    h = HOLDING.c
    wallet, on = ledger_service.wallet_join(h.user_id)
    return (
        select(
            h.id.label("key"),
            wallet.c.id.label("account_id"),
            (h.principal_minor + h.accrued_minor).label("amount_minor"),
        )
        .join_from(HOLDING, wallet, on)
        .where(_chunk(product_id, *chunk, waiting))
    )


async def _pay_wallets(
    session: AsyncSession,
    *,
    product: product_service.Product,
    chunk: tuple[int, int],
    account_id: int,
    now: datetime,
    holdings: int,
) -> list[int]:
    """One entry paying every holding of the chunk whose wallet takes money, its postings
    computed from the holdings in the database; returns the holdings left waiting.

    Raises ``_Underfunded`` when the settlement account cannot pay them all.
    """
    waiting: list[int] = []
    while True:
        try:
            async with session.begin_nested():
                spread = await ledger_service.credit_many(
                    session,
                    # The source is the chunk's first paid holding (the default: the first
                    # key), and a paid holding is never in a later chunk.
                    source_type=PAYOUT_SOURCE,
                    code=PAYOUT_CODE,
                    debit_account_id=account_id,
                    credits=_credits(product.id, chunk, waiting),
                    currency=product.currency,
                    now=now,
                    reference=f"product:{product.id}",
                    metadata={"after_holding_id": chunk[0], "last_holding_id": chunk[1]},
                )
        except DomainError as error:
            if error.code == "ledger.insufficient_funds":
                raise _Underfunded() from error
            if error.code not in BLOCKING_CODES or "account_id" not in error.extra:
                raise
            # A frozen or closed wallet takes no money: pay the others without it.
            again = await ledger_service.blocked_keys(session, _credits(product.id, chunk, ()))
            if again == waiting:
                raise  # not a wallet of the chunk (the settlement account itself)
            waiting = again
            continue
        paid = 0 if spread is None else spread.credits
        assert paid == holdings - len(waiting), "an investor's wallet never disappears"
        return waiting


async def _mark_paid(
    session: AsyncSession,
    *,
    product_id: int,
    chunk: tuple[int, int],
    waiting: Sequence[int],
    boosted: Sequence[Any],
    now: datetime,
) -> None:
    """The paid holdings' events (computed from the rows, one ``INSERT ... SELECT``, before
    they change), the holdings marked paid (one UPDATE), and the rare coupons' boosts."""
    h = HOLDING.c
    paying = _chunk(product_id, *chunk, waiting)
    events = select(
        h.id.label("holding_id"), h.order_id, h.user_id, h.product_id, h.principal_minor,
        h.accrued_minor.label("yield_minor"), h.currency,
    ).where(paying).order_by(h.id)
    recorded = await events_service.record_selected(
        session, HoldingPaid, events, target_type="investment_product",
        target_id=str(product_id), now=now,
        summary={"after_holding_id": chunk[0], "last_holding_id": chunk[1]},
    )
    result = await session.execute(
        update(HOLDING)
        .where(paying)
        .values(
            status=HOLDING_PAID,
            payout_minor=h.principal_minor + h.accrued_minor,
            boost_paid_minor=0,
            paid_at=now,
            updated_at=now,
        )
    )
    changed = cast(CursorResult[Any], result).rowcount
    assert changed == recorded, "the holdings of a chunk are locked by it"
    for holding in boosted:
        await _pay_boost(session, holding=holding, now=now)


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
