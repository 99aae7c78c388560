"""Opening deposits and withdrawals: each public function is one transaction under the
request's Idempotency-Key, the same code on every database. Money moves only through
``finplat.payment.booking``, which calls ``finplat.ledger.service``. Handing the order to its
channel comes after the commit: ``finplat.payment.handover``.

Round trips are what a use case costs (docs/PERFORMANCE.md): rows are written with Core
inserts (no unit-of-work flush), and a withdrawal reads only its card's id and its two account
ids, each with one statement.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core import idempotency
from finplat.core.db import Database
from finplat.core.errors import Conflict, field_error
from finplat.core.money import Money
from finplat.core.prebuilt import Prebuilt
from finplat.identity import queries as identity_queries
from finplat.payment import booking
from finplat.payment.config import PaymentSettings
from finplat.payment.models import PaymentDeposit, PaymentWithdrawal
from finplat.payment.views import deposit_view, withdrawal_view
from finplat.risk import service as risk_service

PENDING = "pending"
CREATED = "created"
SENT = "sent"
SUCCEEDED = "succeeded"
FAILED = "failed"
# Stopped by a blocking risk rule: its money held, not handed to the channel until a risk
# officer releases it (then ``created``) or refuses it (then ``failed``, the hold voided).
HELD = "held_for_review"


def new_reference(prefix: str) -> str:
    """Our order number at the channel: unique, opaque, no personal data."""
    return f"{prefix}{uuid.uuid4().hex}"


def _check_amount(amount: Money, *, low: int, high: int, currency: str) -> None:
    if amount.currency != currency:
        raise field_error("currency", f"only {currency} is supported")
    if not low <= amount.amount_minor <= high:
        raise field_error(
            "amount_minor",
            f"must be between {low} and {high} fen",
            code="payment.amount_out_of_range",
        )


async def create_deposit(
    *,
    db: Database,
    user_id: int,
    amount: Money,
    channel: str,
    idempotency_key: str,
    policy: PaymentSettings,
    currency: str,
    now: datetime,
) -> idempotency.Outcome:
    """Open a deposit order (status ``pending``) once per Idempotency-Key.

    The channel is told after the commit (``submit_deposit``): a channel call never runs inside
    a database transaction. Raises ``InvalidInput('payment.amount_out_of_range')``,
    ``Conflict('idempotency.key_reused')``.
    """
    _check_amount(
        amount, low=policy.deposit_min_minor, high=policy.deposit_max_minor, currency=currency
    )

    scope = f"payment.deposit:{user_id}"
    payload = {"amount_minor": amount.amount_minor, "channel": channel}
    summary = {"amount_minor": amount.amount_minor, "channel": channel}

    async def work(session: AsyncSession) -> idempotency.Outcome:
        deposit = PaymentDeposit(user_id=user_id, channel=channel, reference=new_reference("DP"),
                                 amount_minor=amount.amount_minor, currency=amount.currency,
                                 status=PENDING, created_at=now, updated_at=now)
        deposit.id = await _insert(session, deposit)
        # The audit record goes in with the key's answer (one round trip).
        audit = audit_service.deferred(action="payment.deposit_created", target_type="deposit",
                                       target_id=deposit.id, now=now, actor_id=user_id,
                                       summary=summary)
        return idempotency.Outcome(201, deposit_view(deposit), rows=(audit,))

    return await idempotency.execute(
        db, scope=scope, key=idempotency_key, payload=payload, work=work, now=now,
        claim_after_work=True,
    )


# Built once: a statement built per call costs more CPU than its round trip.
_INSERTS = {model.__tablename__: Prebuilt(insert(table).returning(table.c.id))
            for model in (PaymentDeposit, PaymentWithdrawal)
            for table in [cast(Table, model.__table__)]}


async def _insert(session: AsyncSession, order: PaymentDeposit | PaymentWithdrawal) -> int:
    """Store a new order with one Core ``INSERT`` (its id comes back in the same round trip);
    ``order`` itself stays out of the session: it only shapes the answer."""
    table = cast(Table, type(order).__table__)
    values = {column.key: getattr(order, column.key) for column in table.columns
              if column.key != "id"}
    return int(await _INSERTS[table.name].scalar(session, values))


async def _open_withdrawal(
    session: AsyncSession, withdrawal: PaymentWithdrawal, *, summary: dict[str, Any],
    now: datetime
) -> idempotency.Outcome:
    """Store ``withdrawal`` with its card (the asked one, else the first active one) and the
    hold of its amount."""
    user_id = withdrawal.user_id
    # Cards are bound only through real-name verification, which checks that the card is in the
    # holder's own name: an active card of the user's is a verified card in their name. Without
    # a choice the money goes to the card bound first (the custody account's card).
    card_id = await identity_queries.active_card_id(session, user_id, withdrawal.bank_card_id)
    if card_id is None:
        raise Conflict(
            "payment.bank_card_required",
            "bind a bank card in your own name (through real-name verification) first",
        )
    withdrawal.bank_card_id = card_id
    hold_id = await booking.hold_withdrawal(
        session,
        user_id=user_id,
        amount=Money(withdrawal.amount_minor, withdrawal.currency),
        reference=withdrawal.reference,
        now=now,
    )
    withdrawal.hold_id = str(hold_id)
    verdict = await risk_service.check_blocking(
        session, kind="withdrawal", user_id=user_id, amount_minor=withdrawal.amount_minor,
        now=now)
    if verdict.blocked:
        withdrawal.status = HELD
    withdrawal.id = await _insert(session, withdrawal)
    audited: dict[str, Any] = {
        "action": "payment.withdrawal_created", "target_type": "withdrawal",
        "target_id": withdrawal.id, "now": now, "actor_id": user_id, "summary": summary}
    body = withdrawal_view(withdrawal)
    if not verdict.blocked:
        # The audit record goes in with the key's answer (one round trip).
        return idempotency.Outcome(201, body, rows=(audit_service.deferred(**audited),))
    await audit_service.record(session, **audited)
    await risk_service.hold_for_review(
        session, kind="withdrawal", subject_id=withdrawal.id, user_id=user_id,
        amount_minor=withdrawal.amount_minor, currency=withdrawal.currency,
        verdict=verdict, now=now)
    body["review"] = verdict.public()
    return idempotency.Outcome(201, body)


def _new_withdrawal(
    user_id: int,
    channel: str,
    amount: Money,
    fee_minor: int,
    bank_card_id: int | None,
    now: datetime,
) -> PaymentWithdrawal:
    """A withdrawal order not yet stored: its card and hold are set when it is opened."""
    return PaymentWithdrawal(
        user_id=user_id,
        channel=channel,
        reference=new_reference("WD"),
        bank_card_id=bank_card_id,
        amount_minor=amount.amount_minor,
        fee_minor=fee_minor,
        currency=amount.currency,
        status=CREATED,
        hold_id="",
        created_at=now,
        updated_at=now,
    )


async def create_withdrawal(
    *,
    db: Database,
    user_id: int,
    amount: Money,
    bank_card_id: int | None,
    channel: str | None,
    idempotency_key: str,
    policy: PaymentSettings,
    currency: str,
    now: datetime,
) -> idempotency.Outcome:
    """Hold ``amount`` on the user's wallet and open a withdrawal (status ``created``), or
    ``held_for_review`` when a blocking risk rule holds it (the body's ``review`` says why;
    ``finplat.payment.review`` applies the officer's decision).

    The customer receives ``amount`` less the channel's fee. Raises
    ``InvalidInput('payment.amount_out_of_range' | 'payment.fee_exceeds_amount')``,
    ``NotFound('identity.bank_card_not_found')`` (someone else's card too),
    ``Conflict('payment.bank_card_required')`` (no card bound),
    ``Conflict('ledger.insufficient_funds')`` (remembered under the key: a retry after a later
    deposit still answers 409),
    ``Conflict('idempotency.key_reused')``.
    """
    _check_amount(
        amount, low=policy.withdrawal_min_minor, high=policy.withdrawal_max_minor, currency=currency
    )
    channel_name = channel or policy.default_withdrawal_channel
    fee_minor = policy.fee_for(channel_name)
    if fee_minor >= amount.amount_minor:
        raise field_error(
            "amount_minor",
            f"must exceed the withdrawal fee of {fee_minor} fen",
            code="payment.fee_exceeds_amount",
        )
    scope = f"payment.withdrawal:{user_id}"
    payload = {
        "amount_minor": amount.amount_minor,
        "bank_card_id": bank_card_id,
        "channel": channel,
    }
    summary = {"amount_minor": amount.amount_minor, "fee_minor": fee_minor, "channel": channel_name}

    async def work(session: AsyncSession) -> idempotency.Outcome:
        withdrawal = _new_withdrawal(user_id, channel_name, amount, fee_minor, bank_card_id, now)
        return await _open_withdrawal(session, withdrawal, summary=summary, now=now)

    return await idempotency.execute(
        db, scope=scope, key=idempotency_key, payload=payload, work=work, now=now,
        claim_after_work=True,
    )
