"""Opening deposits and withdrawals: each public function is one transaction under the
request's Idempotency-Key (one database function on PostgreSQL, ``finplat.payment.sql_paths``).
Money moves only through ``finplat.payment.booking``, which calls ``finplat.ledger.service``.
Handing the order to its channel comes after the commit: ``finplat.payment.handover``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core import idempotency
from finplat.core.db import Database
from finplat.core.errors import Conflict, field_error
from finplat.core.money import Money
from finplat.identity import queries as identity_queries
from finplat.payment import booking, sql_paths
from finplat.payment.config import PaymentSettings
from finplat.payment.models import PaymentDeposit, PaymentWithdrawal
from finplat.payment.views import deposit_view, withdrawal_view

PENDING = "pending"
CREATED = "created"
SENT = "sent"
SUCCEEDED = "succeeded"
FAILED = "failed"


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
    audit: dict[str, Any] = {
        "action": "payment.deposit_created",
        "target_type": "deposit",
        "actor_id": user_id,
        "summary": {"amount_minor": amount.amount_minor, "channel": channel},
    }

    def new_deposit() -> PaymentDeposit:
        return PaymentDeposit(
            user_id=user_id,
            channel=channel,
            reference=new_reference("DP"),
            amount_minor=amount.amount_minor,
            currency=amount.currency,
            status=PENDING,
            created_at=now,
            updated_at=now,
        )

    if sql_paths.available(db):
        outcome = await sql_paths.open_deposit(
            db,
            scope=scope,
            key=idempotency_key,
            payload=payload,
            deposit=new_deposit(),
            audit=audit,
            now=now,
        )
        if outcome is not None:
            return outcome

    async def work(session: AsyncSession) -> idempotency.Outcome:
        deposit = new_deposit()
        session.add(deposit)
        await session.flush()
        await audit_service.record(session, target_id=deposit.id, now=now, **audit)
        return idempotency.Outcome(201, deposit_view(deposit))

    return await idempotency.execute(
        db, scope=scope, key=idempotency_key, payload=payload, work=work, now=now
    )


async def _payout_card(session: AsyncSession, user_id: int, asked: int | None) -> int:
    """The card a withdrawal pays out to: the asked one, else the one bound first. Cards are
    bound only through real-name verification, which checks that the card is in the holder's
    own name, so an active card of the user's is a verified card in their name. Raises
    ``NotFound('identity.bank_card_not_found')`` (also for someone else's card) and
    ``Conflict('payment.bank_card_required')``."""
    if asked is not None:
        return (await identity_queries.get_bank_card(session, user_id, asked)).id
    cards = await identity_queries.bank_cards(session, user_id)
    if not cards:
        raise Conflict(
            "payment.bank_card_required",
            "请先完成实名认证并绑定本人银行卡 / "
            "bind a bank card in your own name (through real-name verification) first",
        )
    return cards[0].id


async def _open_withdrawal(
    session: AsyncSession, withdrawal: PaymentWithdrawal, *, audit: dict[str, Any], now: datetime
) -> idempotency.Outcome:
    """Store ``withdrawal`` with its card (the asked one, else the first active one) and the
    hold of its amount."""
    user_id = withdrawal.user_id
    withdrawal.bank_card_id = await _payout_card(session, user_id, withdrawal.bank_card_id)
    hold_id = await booking.hold_withdrawal(
        session,
        user_id=user_id,
        amount=Money(withdrawal.amount_minor, withdrawal.currency),
        reference=withdrawal.reference,
        now=now,
    )
    withdrawal.hold_id = str(hold_id)
    session.add(withdrawal)
    await session.flush()
    await audit_service.record(session, target_id=withdrawal.id, now=now, **audit)
    return idempotency.Outcome(201, withdrawal_view(withdrawal))


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
    """Hold ``amount`` on the user's wallet and open a withdrawal (status ``created``).

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
    audit: dict[str, Any] = {
        "action": "payment.withdrawal_created",
        "target_type": "withdrawal",
        "actor_id": user_id,
        "summary": summary,
    }

    def new_withdrawal() -> PaymentWithdrawal:  # a fresh one for each attempt
        return _new_withdrawal(user_id, channel_name, amount, fee_minor, bank_card_id, now)

    if sql_paths.available(db):
        # The card rule first (the database function would take a user without a card).
        async with db.transaction(readonly=True) as session:
            bank_card_id = await _payout_card(session, user_id, bank_card_id)
        outcome = await sql_paths.open_withdrawal(
            db,
            scope=scope,
            key=idempotency_key,
            payload=payload,
            withdrawal=new_withdrawal(),
            audit=audit,
            now=now,
        )
        if outcome is not None:
            return outcome

    async def work(session: AsyncSession) -> idempotency.Outcome:
        return await _open_withdrawal(session, new_withdrawal(), audit=audit, now=now)

    return await idempotency.execute(
        db, scope=scope, key=idempotency_key, payload=payload, work=work, now=now
    )
