"""Channel callbacks: verify the signature, then apply the outcome once.

Deduplication: a notification is identified by (channel, channel reference, status, amount)
and stored under a unique key, so a redelivered one changes nothing. The order row is locked
while the outcome is applied, so two different notifications about one order serialise; the
second one finds the order final and, if it disagrees (a ``failed`` after ``succeeded``), it is
recorded as an anomaly and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database, GuardedUpdate, insert_unless_taken_once
from finplat.core.errors import InvalidInput
from finplat.events import service as events_service
from finplat.payment import booking, signing
from finplat.payment.events import (
    CallbackAnomaly,
    DepositFailed,
    DepositSucceeded,
    WithdrawalFailed,
    WithdrawalSucceeded,
)
from finplat.payment.models import PaymentCallback, PaymentDeposit, PaymentWithdrawal
from finplat.payment.schemas import CallbackNotification

APPLIED = "applied"
DUPLICATE = "duplicate"
ANOMALY = "anomaly"
UNKNOWN_ORDER = "unknown_order"
MAX_BODY_BYTES = 16_384
FINAL = ("succeeded", "failed")


def parse(body: bytes) -> CallbackNotification:
    """Raises ``InvalidInput('payment.callback_malformed')``."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidInput("payment.callback_malformed", "the callback body is too large")
    try:
        return CallbackNotification.model_validate(json.loads(body))
    except (ValueError, ValidationError) as error:
        raise InvalidInput(
            "payment.callback_malformed", f"the callback body is not valid: {error}"[:300]
        ) from None


async def handle(
    *,
    db: Database,
    channel: str,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    tolerance_seconds: int,
    now: datetime,
) -> str:
    """Verify and apply one callback; returns applied | duplicate | anomaly | unknown_order.

    Raises ``Unauthenticated('payment.callback_signature_invalid' | 'payment.callback_stale')``
    (nothing is stored) and ``InvalidInput('payment.callback_malformed')``.
    """
    signing.verify(
        secret=secret,
        timestamp=timestamp,
        signature=signature,
        body=body,
        now=now,
        tolerance_seconds=tolerance_seconds,
    )
    notification = parse(body)

    async def work(session: AsyncSession) -> str:
        return await _apply(session, channel=channel, notification=notification, now=now)

    return await db.run(work)


async def _log_once(
    session: AsyncSession, *, channel: str, notification: CallbackNotification, now: datetime
) -> int | None:
    """Store the notification under its unique key; None when it was stored before.

    One statement where the dialect can ignore a conflict (a concurrent twin waits on the
    unique index and then finds the row); a savepoint elsewhere.
    """
    values = {
        "channel": channel,
        "channel_reference": notification.channel_reference,
        "status": notification.status,
        "merchant_reference": notification.merchant_reference,
        "kind": notification.kind,
        "amount_minor": notification.amount_minor,
        "outcome": APPLIED,
        "payload": notification.model_dump(mode="json"),
        "received_at": now,
    }
    statement = insert_unless_taken_once(session, _CALLBACK)
    if statement is not None:
        return await session.scalar(statement, values)
    row = PaymentCallback(**values)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row.id


_CALLBACK = cast(Table, PaymentCallback.__table__)
_ORDER_COLUMNS = ("id", "user_id", "reference", "amount_minor", "currency", "channel")


def _completion(table: Table, *, paid_out: Any, extra: Sequence[str] = ()) -> GuardedUpdate:
    """The order named by the notification moved to its final status, guarded by everything
    the notification must agree with (built once per order table)."""
    c = table.c
    return GuardedUpdate(
        update(table)
        .where(c.reference == bindparam("n_merchant_reference"),
               c.channel == bindparam("n_channel"),
               c.status.not_in(FINAL), paid_out == bindparam("n_amount_minor"),
               c.currency == bindparam("n_currency"))
        .values(status=bindparam("n_status"), channel_reference=bindparam("n_channel_reference"),
                channel_completed_at=bindparam("n_occurred_at"), updated_at=bindparam("n_now"),
                failure_reason=bindparam("n_failure_reason")),
        [c[name] for name in (*_ORDER_COLUMNS, *extra)],
        reread=c.reference == bindparam("n_merchant_reference"),
    )


_DEPOSIT = cast(Table, PaymentDeposit.__table__)
_WITHDRAWAL = cast(Table, PaymentWithdrawal.__table__)
_COMPLETE = {
    "deposit": _completion(_DEPOSIT, paid_out=_DEPOSIT.c.amount_minor),
    "withdrawal": _completion(_WITHDRAWAL,
                              paid_out=_WITHDRAWAL.c.amount_minor - _WITHDRAWAL.c.fee_minor,
                              extra=("fee_minor", "hold_id")),
}


async def _apply(
    session: AsyncSession, *, channel: str, notification: CallbackNotification, now: datetime
) -> str:
    log_id = await _log_once(session, channel=channel, notification=notification, now=now)
    if log_id is None:
        return DUPLICATE
    order = await _complete(session, channel=channel, notification=notification, now=now)
    if order is None:
        return await _anomaly(session, log_id, channel=channel, notification=notification,
                              now=now)
    if notification.kind == "deposit":
        await _settle_deposit(session, order, notification, now)
    else:
        await _settle_withdrawal(session, order, notification, now)
    return APPLIED


async def _complete(
    session: AsyncSession, *, channel: str, notification: CallbackNotification, now: datetime
) -> Any:
    """Move the order the notification is about to its final status, in one guarded statement
    (which also locks the row until commit, so two notifications about one order serialise);
    returns the order's columns that booking needs, or None when the guard refused it: no such
    order on this channel, already final, or another amount or currency."""
    # A non-final order has no failure reason: setting it to None on success changes nothing.
    return await _COMPLETE[notification.kind](session, {
        "n_merchant_reference": notification.merchant_reference, "n_channel": channel,
        "n_amount_minor": notification.amount_minor, "n_currency": notification.currency,
        "n_status": notification.status, "n_channel_reference": notification.channel_reference,
        "n_occurred_at": notification.occurred_at, "n_now": now,
        "n_failure_reason": _reason(notification) if notification.status == "failed" else None,
    })


def _reason(notification: CallbackNotification) -> str:
    return (notification.reason or "failed at the channel")[:200]


async def _anomaly(
    session: AsyncSession,
    log_id: int,
    *,
    channel: str,
    notification: CallbackNotification,
    now: datetime,
) -> str:
    """Why the order refused the notification, recorded on its log row and as an event."""
    table = _DEPOSIT if notification.kind == "deposit" else _WITHDRAWAL
    order = (await session.execute(
        select(table).where(table.c.reference == notification.merchant_reference))).first()
    problem = _problem(order, channel=channel, notification=notification)
    outcome = UNKNOWN_ORDER if order is None else ANOMALY
    await session.execute(
        update(PaymentCallback)
        .where(PaymentCallback.id == log_id)
        .values(outcome=outcome, detail=problem)
    )
    await events_service.emit(
        session,
        CallbackAnomaly(
            channel=channel,
            channel_reference=notification.channel_reference,
            merchant_reference=notification.merchant_reference,
            status=notification.status,
            detail=problem,
        ),
        now=now,
    )
    return outcome


def _problem(order: Any, *, channel: str, notification: CallbackNotification) -> str:
    if order is None:
        return "no order with this reference"
    if order.channel != channel:
        return f"the order belongs to channel {order.channel}"
    if order.status in FINAL:
        # Redelivery of the applied notification never gets here (the log's unique key).
        return (
            f"order already {order.status} ({order.channel_reference}); the channel now says "
            f"{notification.status} ({notification.channel_reference})"
        )
    expected = order.amount_minor
    if notification.kind == "withdrawal":
        expected = order.amount_minor - order.fee_minor
    return (
        f"amount {notification.amount_minor} {notification.currency} differs from the "
        f"order's {expected} {order.currency}"
    )


async def _settle_deposit(
    session: AsyncSession, deposit: Any, notification: CallbackNotification, now: datetime
) -> None:
    summary: dict[str, Any] = {"channel_reference": notification.channel_reference}
    facts = {"deposit_id": deposit.id, "user_id": deposit.user_id,
             "amount_minor": deposit.amount_minor, "currency": deposit.currency,
             "channel": deposit.channel}
    event: DepositSucceeded | DepositFailed
    if notification.status == "succeeded":
        await booking.credit_deposit(session, deposit=deposit, now=now)
        event = DepositSucceeded(**facts)
    else:
        summary["reason"] = _reason(notification)
        event = DepositFailed(**facts, reason=summary["reason"])
    await events_service.record(session, event, target_type="deposit", target_id=deposit.id,
                                now=now, summary=summary)


async def _settle_withdrawal(
    session: AsyncSession, withdrawal: Any, notification: CallbackNotification, now: datetime
) -> None:
    summary: dict[str, Any] = {"channel_reference": notification.channel_reference}
    facts = {"withdrawal_id": withdrawal.id, "user_id": withdrawal.user_id,
             "amount_minor": withdrawal.amount_minor, "currency": withdrawal.currency,
             "channel": withdrawal.channel}
    event: WithdrawalSucceeded | WithdrawalFailed
    if notification.status == "succeeded":
        await booking.settle_withdrawal(session, withdrawal=withdrawal, now=now)
        event = WithdrawalSucceeded(**facts, fee_minor=withdrawal.fee_minor)
    else:
        await booking.release_withdrawal(session, withdrawal=withdrawal, now=now)
        summary["reason"] = _reason(notification)
        event = WithdrawalFailed(**facts, reason=summary["reason"])
    await events_service.record(session, event, target_type="withdrawal",
                                target_id=withdrawal.id, now=now, summary=summary)
