"""Handing opened orders to their channel: a deposit or withdrawal is committed first (see
``finplat.payment.service``), then the channel is called, then its answer is recorded in a
transaction of its own. A channel call never runs inside a database transaction. Orders whose
hand-over was lost (a timeout, a process stopped in between) are handed over again by
``resubmit_stale``; a channel recognises our reference, so that is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.db import Database
from finplat.core.errors import DomainError
from finplat.events import service as events_service
from finplat.payment import booking
from finplat.payment.channels import ChannelRegistry, DepositOrder, WithdrawalOrder
from finplat.payment.models import PaymentDeposit, PaymentWithdrawal
from finplat.payment.service import CREATED, FAILED, PENDING, SENT
from finplat.payment.views import deposit_view, withdrawal_view

log = logging.getLogger(__name__)

# A withdrawal the channel accepted is ``sent``, unless its callback already settled it.
_MARK_SENT = (
    update(PaymentWithdrawal)
    .where(PaymentWithdrawal.id == bindparam("withdrawal_id"), PaymentWithdrawal.status == CREATED)
    .values(status=SENT, updated_at=bindparam("now"))
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
        await db.execute(_MARK_SENT, {"withdrawal_id": withdrawal_id, "now": now})
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
