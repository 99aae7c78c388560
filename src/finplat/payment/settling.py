"""An order's outcome, written once for deposits and withdrawals alike: ``settle`` applies what
its channel said (paid, or failed), ``fail`` ends it without money moving to the customer. The
caller holds the order's row lock (``callbacks._apply``, the hand-over's refusal, recovery)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.events import service as events_service
from finplat.payment import booking
from finplat.payment.events import (
    DepositFailed,
    DepositSucceeded,
    WithdrawalFailed,
    WithdrawalSucceeded,
)
from finplat.payment.models import PaymentDeposit, PaymentWithdrawal
from finplat.payment.schemas import CallbackNotification

Order = PaymentDeposit | PaymentWithdrawal
SUCCEEDED = "succeeded"
FAILED = "failed"


def kind_of(order: Order) -> str:
    """``deposit`` or ``withdrawal``: the audit target type and the channel notice's kind."""
    return "deposit" if isinstance(order, PaymentDeposit) else "withdrawal"


def _facts(order: booking.Order, kind: str) -> dict[str, Any]:
    """What every event about ``order`` carries."""
    return {f"{kind}_id": order.id, "user_id": order.user_id,
            "amount_minor": order.amount_minor, "currency": order.currency,
            "channel": order.channel}


def _completed(order: Order, notification: CallbackNotification, now: datetime) -> None:
    # Set after the booking: the ledger calls flush the session, and the order's columns then
    # go out in one UPDATE with its new status instead of two.
    order.channel_reference = notification.channel_reference
    order.channel_completed_at = notification.occurred_at
    order.updated_at = now


async def settle(
    session: AsyncSession, order: Order, notification: CallbackNotification, now: datetime
) -> None:
    """Apply the channel's final word about an unfinished order: a deposit credited or a
    withdrawal's hold posted (with its fee) on success, ``fail`` otherwise."""
    if notification.status != SUCCEEDED:
        await fail(session, order, reason=notification.reason or "failed at the channel",
                   now=now, notification=notification)
        return
    kind = kind_of(order)
    event = await _book_success(session, order, kind, now)
    _completed(order, notification, now)
    order.status = SUCCEEDED
    await _record_success(session, event, kind, order.id, notification, now)


async def succeeded(session: AsyncSession, order: booking.Order, *, kind: str,
                    notification: CallbackNotification, now: datetime) -> None:
    """What ``settle`` does for a paid order, for one whose row a guarded update has already
    marked ``succeeded`` (``order`` is that row: for a withdrawal with ``fee_minor`` and
    ``hold_id``): the money booked and the event recorded."""
    event = await _book_success(session, order, kind, now)
    await _record_success(session, event, kind, order.id, notification, now)


async def _book_success(session: AsyncSession, order: booking.Order, kind: str,
                        now: datetime) -> DepositSucceeded | WithdrawalSucceeded:
    if kind == "deposit":
        await booking.credit_deposit(session, deposit=order, now=now)
        return DepositSucceeded(**_facts(order, kind))
    withdrawal = cast(booking.Withdrawal, order)
    await booking.settle_withdrawal(session, withdrawal=withdrawal, now=now)
    return WithdrawalSucceeded(**_facts(order, kind), fee_minor=withdrawal.fee_minor)


async def _record_success(session: AsyncSession, event: DepositSucceeded | WithdrawalSucceeded,
                          kind: str, order_id: int, notification: CallbackNotification,
                          now: datetime) -> None:
    await events_service.record(
        session, event, target_type=kind, target_id=order_id, now=now,
        summary={"channel_reference": notification.channel_reference},
    )


async def fail(
    session: AsyncSession,
    order: Order,
    *,
    reason: str,
    now: datetime,
    notification: CallbackNotification | None = None,
) -> None:
    """End an unfinished order without paying: the channel said so (``notification``), refused
    it, or never received it. A withdrawal's hold is voided, the money available again."""
    if isinstance(order, PaymentWithdrawal):
        await booking.release_withdrawal(session, withdrawal=order, now=now)
    if notification is not None:
        _completed(order, notification, now)
    order.status, order.failure_reason, order.updated_at = FAILED, reason[:200], now
    facts = {**_facts(order, kind_of(order)), "reason": order.failure_reason}
    event = (DepositFailed(**facts) if isinstance(order, PaymentDeposit)
             else WithdrawalFailed(**facts))
    await events_service.record(
        session, event, target_type=kind_of(order), target_id=order.id, now=now,
        summary={"channel_reference": order.channel_reference, "reason": event.reason},
    )
