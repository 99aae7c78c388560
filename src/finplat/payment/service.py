"""Deposit and withdrawal use cases. Each public function is one transaction (or, for the
hand-over to a channel, one transaction after the channel answered); money moves only through
``finplat.payment.booking`` which calls ``finplat.ledger.service``. Audit appends come last
in each transaction: the audit chain head is one row for the whole platform, locked until commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core import idempotency
from finplat.core.db import Database
from finplat.core.errors import DomainError, field_error
from finplat.core.money import Money
from finplat.events import service as events_service
from finplat.identity import queries as identity_queries
from finplat.payment import booking, sql_paths
from finplat.payment.channels import ChannelRegistry, DepositOrder, WithdrawalOrder
from finplat.payment.config import PaymentSettings
from finplat.payment.models import PaymentDeposit, PaymentWithdrawal
from finplat.payment.views import deposit_view, withdrawal_view

log = logging.getLogger(__name__)

PENDING = "pending"
CREATED = "created"
SENT = "sent"
SUCCEEDED = "succeeded"
FAILED = "failed"

# A withdrawal the channel accepted is ``sent``, unless its callback already settled it.
_MARK_SENT = (
    update(PaymentWithdrawal)
    .where(PaymentWithdrawal.id == bindparam("withdrawal_id"), PaymentWithdrawal.status == CREATED)
    .values(status=SENT, updated_at=bindparam("now"))
)


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


async def submit_deposit(
    *,
    db: Database,
    channels: ChannelRegistry,
    user_id: int,
    deposit: Mapping[str, Any],
    now: datetime,
) -> None:
    """Hand a just-created deposit (``create_deposit``'s 201 body) to its channel. A refusal
    fails the order; a timeout leaves it pending (the channel may have it; its callback or the
    statement settles the question)."""
    deposit_id = int(deposit["id"])
    order = DepositOrder(
        reference=str(deposit["reference"]),
        amount_minor=int(deposit["amount_minor"]),
        currency=str(deposit["currency"]),
        user_id=user_id,
    )
    try:
        ack = await channels.create_deposit_order(str(deposit["channel"]), order, now=now)
    except DomainError as error:
        log.warning(
            "deposit not confirmed by the channel",
            extra={"deposit_id": deposit_id, "code": error.code},
        )
        return
    if not ack.accepted:
        await _fail_deposit(db, deposit_id=deposit_id, reason=ack.reason or "refused", now=now)


async def _fail_deposit(db: Database, *, deposit_id: int, reason: str, now: datetime) -> None:
    async def work(session: AsyncSession) -> None:
        deposit = await session.scalar(
            select(PaymentDeposit).where(PaymentDeposit.id == deposit_id).with_for_update()
        )
        if deposit is None or deposit.status != PENDING:
            return
        deposit.status, deposit.failure_reason, deposit.updated_at = FAILED, reason[:200], now
        await events_service.publish(
            session,
            topic="payment.deposit_failed",
            now=now,
            payload={"deposit_id": deposit.id, "user_id": deposit.user_id},
        )
        await audit_service.record(
            session,
            action="payment.deposit_failed",
            target_type="deposit",
            target_id=deposit.id,
            now=now,
            summary={"reason": reason[:200]},
        )

    await db.run(work)


async def _open_withdrawal(
    session: AsyncSession, withdrawal: PaymentWithdrawal, *, audit: dict[str, Any], now: datetime
) -> idempotency.Outcome:
    """Store ``withdrawal`` with its card (the asked one, else the first active one) and the
    hold of its amount."""
    user_id = withdrawal.user_id
    if withdrawal.bank_card_id is not None:
        await identity_queries.get_bank_card(session, user_id, withdrawal.bank_card_id)
    else:
        # Without a choice the money goes to the card bound first (the custody account's card).
        cards = await identity_queries.bank_cards(session, user_id)
        withdrawal.bank_card_id = cards[0].id if cards else None
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
    ``NotFound('identity.bank_card_not_found')``, ``Conflict('ledger.insufficient_funds')``
    (remembered under the key: a retry after a later deposit still answers 409),
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


async def submit_withdrawal(
    *,
    db: Database,
    channels: ChannelRegistry,
    user_id: int,
    withdrawal: Mapping[str, Any],
    now: datetime,
) -> None:
    """Instruct the channel to pay out a just-created withdrawal (``create_withdrawal``'s 201
    body). Accepted -> ``sent``; refused -> hold voided, ``failed``; timeout -> left
    ``created`` for a later resend (the channel dedups on our reference)."""
    withdrawal_id = int(withdrawal["id"])
    order = WithdrawalOrder(
        reference=str(withdrawal["reference"]),
        currency=str(withdrawal["currency"]),
        amount_minor=int(withdrawal["amount_minor"]) - int(withdrawal["fee_minor"]),
        user_id=user_id,
        bank_card_id=withdrawal["bank_card_id"],
    )
    try:
        ack = await channels.send_withdrawal(str(withdrawal["channel"]), order, now=now)
    except DomainError as error:
        log.warning(
            "withdrawal not confirmed by the channel",
            extra={"withdrawal_id": withdrawal_id, "code": error.code},
        )
        return

    if ack.accepted:
        # Guarded: the callback may already have settled it (a fast channel answers first).
        await db.execute_plain(_MARK_SENT, {"withdrawal_id": withdrawal_id, "now": now})
        return

    async def work(session: AsyncSession) -> None:
        row = await session.scalar(
            select(PaymentWithdrawal).where(PaymentWithdrawal.id == withdrawal_id).with_for_update()
        )
        if row is None or row.status != CREATED:
            return
        await booking.release_withdrawal(session, withdrawal=row, now=now)
        row.status, row.failure_reason, row.updated_at = (
            FAILED,
            (ack.reason or "refused")[:200],
            now,
        )
        await events_service.publish(
            session,
            topic="payment.withdrawal_failed",
            now=now,
            payload={"withdrawal_id": row.id, "user_id": row.user_id},
        )
        await audit_service.record(
            session,
            action="payment.withdrawal_failed",
            target_type="withdrawal",
            target_id=row.id,
            now=now,
            summary={"reason": row.failure_reason},
        )

    await db.run(work)


RESUBMIT_BATCH_LIMIT = 200


async def resubmit_stale(
    *,
    db: Database,
    channels: ChannelRegistry,
    older_than: timedelta,
    now: datetime,
    limit: int = RESUBMIT_BATCH_LIMIT,
) -> int:
    """Hand again to their channel the deposits still ``pending`` and the withdrawals still
    ``created`` (their channel call timed out, or the process stopped between the commit and
    the call) that are older than ``older_than``; at most ``limit`` of each. Returns how many.
    """
    cutoff = now - older_than
    async with db.transaction(readonly=True) as session:
        deposits = list(
            await session.scalars(
                select(PaymentDeposit)
                .where(PaymentDeposit.status == PENDING, PaymentDeposit.created_at < cutoff)
                .order_by(PaymentDeposit.id)
                .limit(limit)
            )
        )
        withdrawals = list(
            await session.scalars(
                select(PaymentWithdrawal)
                .where(PaymentWithdrawal.status == CREATED, PaymentWithdrawal.created_at < cutoff)
                .order_by(PaymentWithdrawal.id)
                .limit(limit)
            )
        )
    for deposit in deposits:
        await submit_deposit(
            db=db,
            channels=channels,
            user_id=deposit.user_id,
            deposit=deposit_view(deposit),
            now=now,
        )
    for withdrawal in withdrawals:
        await submit_withdrawal(
            db=db,
            channels=channels,
            user_id=withdrawal.user_id,
            withdrawal=withdrawal_view(withdrawal),
            now=now,
        )
    return len(deposits) + len(withdrawals)
