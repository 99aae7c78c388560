"""Channel callbacks: verify the signature, then apply the outcome once.

``apply_notification`` is the one definition of applying what a channel says about an order:
a signed callback goes through it, and so does the answer to a status query made by the
recovery loop (``finplat.payment.recovery``).

The usual case, a paid notice about an unfinished order it matches, takes three steps
(``_apply_usual``): the notice stored under its key (a taken key means a redelivery), the order
marked ``succeeded`` by one guarded UPDATE (which takes its row lock and checks what
``_problem`` checks), the money booked. Anything else goes through ``_apply``, which describes
the notice exactly as follows.

Deduplication: the order row is locked first, so every notice about one order is applied in
turn. A notice that repeats what settled the order (same channel reference, status, amount and
currency) answers ``duplicate`` and changes nothing. A notice that contradicts the order
(another amount, currency, kind or channel, or an order final otherwise) is stored as an
``anomaly`` and changes nothing; it does not use up the notice the channel will still send
correctly. Each stored notice has a unique ``notice_key``: ``<status>:<channel reference>``
for the one that was applied (the channel sends one notice per status of its transaction),
a digest of its content for an anomaly (so a redelivered malformed notice is stored once).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import cast

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import InvalidInput
from finplat.core.statements import ClaimThenUpdate, insert_unless_taken
from finplat.events import service as events_service
from finplat.payment import settling, signing
from finplat.payment.events import CallbackAnomaly
from finplat.payment.models import PaymentCallback, PaymentDeposit, PaymentWithdrawal
from finplat.payment.schemas import CallbackNotification

APPLIED = "applied"
DUPLICATE = "duplicate"
ANOMALY = "anomaly"
UNKNOWN_ORDER = "unknown_order"
MAX_BODY_BYTES = 16_384
FINAL = (settling.SUCCEEDED, settling.FAILED)


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
    return await apply_notification(db=db, channel=channel, notification=notification, now=now)


async def apply_notification(
    *, db: Database, channel: str, notification: CallbackNotification, now: datetime
) -> str:
    """Apply what ``channel`` says about one of our orders, in one transaction; returns
    applied | duplicate | anomaly | unknown_order. The caller has established that the channel
    says it (a verified signature, or the channel's own answer to a status query)."""

    async def work(session: AsyncSession) -> str:
        return await _apply(session, channel=channel, notification=notification, now=now)

    if notification.status == settling.SUCCEEDED:
        async def usual(session: AsyncSession) -> str:
            return await _apply_usual(session, channel=channel, notification=notification,
                                      now=now, otherwise=work)

        try:
            return await db.run(usual)
        except _Contradicted:
            pass  # rolled back: the notice contradicts its order; described below
    return await db.run(work)


class _Contradicted(Exception):
    """The notice's key was free but its order did not match: roll back, then describe."""


def _settle_guard(model: type[PaymentDeposit] | type[PaymentWithdrawal]) -> ClaimThenUpdate:
    """The notice's key claimed and, if claimed, the order of a paid notice marked
    ``succeeded`` if it matches the notice (channel, not final, amount the channel moved,
    currency): what ``_problem`` checks, in one statement that also takes the row lock (one with
    the claim on PostgreSQL). Gives what booking needs of the order. On the table, not the
    mapped class: an ORM-enabled UPDATE costs more CPU than its round trip."""
    table = cast(Table, model.__table__)
    o = table.c
    paid = o.amount_minor - o.fee_minor if model is PaymentWithdrawal else o.amount_minor
    columns = [o.id, o.user_id, o.reference, o.amount_minor, o.currency, o.channel]
    if model is PaymentWithdrawal:
        columns += [o.fee_minor, o.hold_id]
    return ClaimThenUpdate(
        cast(Table, PaymentCallback.__table__),
        update(table)
        .where(o.reference == bindparam("o_reference"), o.channel == bindparam("o_channel"),
               o.status.not_in(FINAL), paid == bindparam("o_amount"),
               o.currency == bindparam("o_currency"))
        .values(status=settling.SUCCEEDED, channel_reference=bindparam("o_channel_reference"),
                channel_completed_at=bindparam("o_completed_at"), updated_at=bindparam("o_now")),
        columns, reread=o.reference == bindparam("o_reference"))


_SETTLE = {"deposit": _settle_guard(PaymentDeposit),
           "withdrawal": _settle_guard(PaymentWithdrawal)}


async def _apply_usual(
    session: AsyncSession, *, channel: str, notification: CallbackNotification, now: datetime,
    otherwise: Callable[[AsyncSession], Awaitable[str]],
) -> str:
    """A paid notice about an unfinished order that it matches (nearly every callback): its key
    claimed, then the order marked ``succeeded`` by one guarded statement and the money booked.
    A taken key (a redelivery) goes to ``otherwise`` (``_apply``) in this transaction, nothing
    having changed; an order that does not match raises ``_Contradicted`` (the claimed key must
    go: the transaction is rolled back and ``_apply`` describes the notice)."""
    claimed, order = await _SETTLE[notification.kind](
        session,
        _notice_row(channel=channel, notification=notification, outcome=APPLIED, detail=None,
                    now=now),
        {"o_reference": notification.merchant_reference, "o_channel": channel,
         "o_amount": notification.amount_minor, "o_currency": notification.currency,
         "o_channel_reference": notification.channel_reference,
         "o_completed_at": notification.occurred_at, "o_now": now})
    if not claimed:
        return await otherwise(session)
    if order is None:
        raise _Contradicted
    await settling.succeeded(session, order, kind=notification.kind, notification=notification,
                             now=now)
    return APPLIED


def notice_key(notification: CallbackNotification, *, applied: bool) -> str:
    """What identifies a stored notice (see the module's docstring)."""
    if applied:
        return f"{notification.status}:{notification.channel_reference}"
    content = json.dumps(notification.model_dump(mode="json"), sort_keys=True).encode()
    return f"x:{hashlib.sha256(content).hexdigest()}"


async def _log_once(
    session: AsyncSession,
    *,
    channel: str,
    notification: CallbackNotification,
    outcome: str,
    detail: str | None,
    now: datetime,
) -> int | None:
    """Store the notice under its unique key; None when it was stored before (a concurrent
    twin waits on the unique index and then finds the row)."""
    values = _notice_row(channel=channel, notification=notification, outcome=outcome,
                         detail=detail, now=now)
    return await insert_unless_taken(session, PaymentCallback, values)


def _notice_row(*, channel: str, notification: CallbackNotification, outcome: str,
                detail: str | None, now: datetime) -> dict[str, object]:
    return {
        "channel": channel,
        "channel_reference": notification.channel_reference,
        "status": notification.status,
        "merchant_reference": notification.merchant_reference,
        "kind": notification.kind,
        "amount_minor": notification.amount_minor,
        "notice_key": notice_key(notification, applied=outcome == APPLIED),
        "outcome": outcome,
        "detail": detail,
        "payload": notification.model_dump(mode="json"),
        "received_at": now,
    }


async def _apply(
    session: AsyncSession, *, channel: str, notification: CallbackNotification, now: datetime
) -> str:
    model: type[PaymentDeposit] | type[PaymentWithdrawal] = (
        PaymentDeposit if notification.kind == "deposit" else PaymentWithdrawal
    )
    # The order row first: every notice about one order (and the recovery loop's settling of
    # it) is applied in turn, and the later ones see the order final.
    order: PaymentDeposit | PaymentWithdrawal | None = await session.scalar(
        select(model).where(model.reference == notification.merchant_reference).with_for_update()
    )
    if order is not None and _repeats_settlement(order, channel=channel, notification=notification):
        return DUPLICATE
    problem = _problem(order, channel=channel, notification=notification)
    if problem is not None:
        outcome = UNKNOWN_ORDER if order is None else ANOMALY
        return await _record_anomaly(
            session,
            channel=channel,
            notification=notification,
            outcome=outcome,
            problem=problem,
            now=now,
        )
    assert order is not None
    stored = await _log_once(
        session,
        channel=channel,
        notification=notification,
        outcome=APPLIED,
        detail=None,
        now=now,
    )
    if stored is None:
        # The key is taken although this order is not final: the channel used this reference
        # and status for another of our orders. Nothing changes; operations investigate.
        return await _record_anomaly(
            session,
            channel=channel,
            notification=notification,
            outcome=ANOMALY,
            problem="this channel reference and status settled another order",
            now=now,
        )
    await settling.settle(session, order, notification, now)
    return APPLIED


async def _record_anomaly(
    session: AsyncSession,
    *,
    channel: str,
    notification: CallbackNotification,
    outcome: str,
    problem: str,
    now: datetime,
) -> str:
    """Keep a notice that changes nothing (once: keyed by its content) and tell operations."""
    stored = await _log_once(
        session,
        channel=channel,
        notification=notification,
        outcome=outcome,
        detail=problem,
        now=now,
    )
    if stored is None:
        return DUPLICATE  # the same contradicting notice again: stored and reported once
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


def _expected_amount(order: PaymentDeposit | PaymentWithdrawal) -> int:
    if isinstance(order, PaymentWithdrawal):
        return order.amount_minor - order.fee_minor  # what the channel paid out
    return order.amount_minor


def _repeats_settlement(
    order: PaymentDeposit | PaymentWithdrawal,
    *,
    channel: str,
    notification: CallbackNotification,
) -> bool:
    """The notice says what settled ``order`` already (a redelivery, or a recovery query
    answered after the callback came)."""
    return (
        order.status == notification.status
        and order.channel == channel
        and order.channel_reference == notification.channel_reference
        and notification.amount_minor == _expected_amount(order)
        and notification.currency == order.currency
    )


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
        return (
            f"order already {order.status} ({order.channel_reference}); the channel now says "
            f"{notification.status} ({notification.channel_reference})"
        )
    expected = _expected_amount(order)
    if notification.amount_minor != expected or notification.currency != order.currency:
        return (
            f"amount {notification.amount_minor} {notification.currency} differs from the "
            f"order's {expected} {order.currency}"
        )
    return None
