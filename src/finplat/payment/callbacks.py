"""Channel callbacks: verify the signature, then apply the outcome once.

Deduplication: a notification is identified by (channel, channel reference, status, amount)
and stored under a unique key, so a redelivered one changes nothing. The order row is locked
while the outcome is applied, so two different notifications about one order serialise; the
second one finds the order final and, if it disagrees (a ``failed`` after ``succeeded``), it is
recorded as an anomaly and changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.db import Database, insert_unless_taken
from finplat.core.errors import InvalidInput
from finplat.events import service as events_service
from finplat.payment import booking, signing, sql_paths
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
    if notification.status == "succeeded" and sql_paths.available(db):
        outcome = await sql_paths.settle_callback(
            db, channel=channel, notification=notification, now=now
        )
        if outcome is not None:
            return outcome

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
    statement = insert_unless_taken(session, PaymentCallback, values)
    if statement is not None:
        return await session.scalar(statement.returning(PaymentCallback.id))
    row = PaymentCallback(**values)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row.id


async def _apply(
    session: AsyncSession, *, channel: str, notification: CallbackNotification, now: datetime
) -> str:
    log_id = await _log_once(session, channel=channel, notification=notification, now=now)
    if log_id is None:
        return DUPLICATE
    model: type[PaymentDeposit] | type[PaymentWithdrawal] = (
        PaymentDeposit if notification.kind == "deposit" else PaymentWithdrawal
    )
    order: PaymentDeposit | PaymentWithdrawal | None = await session.scalar(
        select(model).where(model.reference == notification.merchant_reference).with_for_update()
    )
    problem = _problem(order, channel=channel, notification=notification)
    if problem is not None:
        outcome = UNKNOWN_ORDER if order is None else ANOMALY
        await session.execute(
            update(PaymentCallback)
            .where(PaymentCallback.id == log_id)
            .values(outcome=outcome, detail=problem)
        )
        await events_service.publish(
            session,
            topic="payment.callback_anomaly",
            now=now,
            payload={
                "channel": channel,
                "channel_reference": notification.channel_reference,
                "merchant_reference": notification.merchant_reference,
                "status": notification.status,
                "detail": problem,
            },
        )
        return outcome
    assert order is not None
    if isinstance(order, PaymentDeposit):
        await _settle_deposit(session, order, notification, now)
    else:
        await _settle_withdrawal(session, order, notification, now)
    return APPLIED


def _completed(
    order: PaymentDeposit | PaymentWithdrawal, notification: CallbackNotification, now: datetime
) -> None:
    # Set after the booking: the ledger calls flush the session, and the order's columns then
    # go out in one UPDATE with its new status instead of two.
    order.channel_reference = notification.channel_reference
    order.channel_completed_at = notification.occurred_at
    order.updated_at = now


def _problem(
    order: PaymentDeposit | PaymentWithdrawal | None,
    *,
    channel: str,
    notification: CallbackNotification,
) -> str | None:
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
    if isinstance(order, PaymentWithdrawal):
        expected = order.amount_minor - order.fee_minor
    if notification.amount_minor != expected or notification.currency != order.currency:
        return (
            f"amount {notification.amount_minor} {notification.currency} differs from the "
            f"order's {expected} {order.currency}"
        )
    return None


async def _settle_deposit(
    session: AsyncSession,
    deposit: PaymentDeposit,
    notification: CallbackNotification,
    now: datetime,
) -> None:
    summary: dict[str, Any] = {"channel_reference": notification.channel_reference}
    if notification.status == "succeeded":
        deposit.ledger_transfer_id = str(
            await booking.credit_deposit(session, deposit=deposit, now=now)
        )
        _completed(deposit, notification, now)
        deposit.status = "succeeded"
        topic = "payment.deposit_succeeded"
    else:
        _completed(deposit, notification, now)
        deposit.status = "failed"
        deposit.failure_reason = (notification.reason or "failed at the channel")[:200]
        summary["reason"] = deposit.failure_reason
        topic = "payment.deposit_failed"
    await events_service.publish(
        session,
        topic=topic,
        now=now,
        payload={
            "deposit_id": deposit.id,
            "user_id": deposit.user_id,
            "amount_minor": deposit.amount_minor,
            "currency": deposit.currency,
            "channel": deposit.channel,
        },
    )
    # The audit append comes last: its chain head is one row for the whole platform, locked
    # until this transaction commits.
    await audit_service.record(
        session, action=topic, target_type="deposit", target_id=deposit.id, now=now, summary=summary
    )


async def _settle_withdrawal(
    session: AsyncSession,
    withdrawal: PaymentWithdrawal,
    notification: CallbackNotification,
    now: datetime,
) -> None:
    summary: dict[str, Any] = {"channel_reference": notification.channel_reference}
    if notification.status == "succeeded":
        await booking.settle_withdrawal(session, withdrawal=withdrawal, now=now)
        _completed(withdrawal, notification, now)
        withdrawal.status = "succeeded"
        topic = "payment.withdrawal_succeeded"
    else:
        await booking.release_withdrawal(session, withdrawal=withdrawal, now=now)
        _completed(withdrawal, notification, now)
        withdrawal.status = "failed"
        withdrawal.failure_reason = (notification.reason or "failed at the channel")[:200]
        summary["reason"] = withdrawal.failure_reason
        topic = "payment.withdrawal_failed"
    await events_service.publish(
        session,
        topic=topic,
        now=now,
        payload={
            "withdrawal_id": withdrawal.id,
            "user_id": withdrawal.user_id,
            "amount_minor": withdrawal.amount_minor,
            "fee_minor": withdrawal.fee_minor,
            "currency": withdrawal.currency,
            "channel": withdrawal.channel,
        },
    )
    # Last, as above: the audit chain head stays locked until commit.
    await audit_service.record(
        session,
        action=topic,
        target_type="withdrawal",
        target_id=withdrawal.id,
        now=now,
        summary=summary,
    )
