"""Handing opened orders to their channel: a deposit or withdrawal is committed first (see
``finplat.payment.service``), then the channel is called, then its answer is recorded in a
transaction of its own. A channel call never runs inside a database transaction. Orders whose
hand-over was lost (a timeout, a process stopped in between) are found by the recovery loop
(``finplat.payment.recovery``), which hands them over again with the same reference; a channel
recognises our reference, so that is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import DomainError
from finplat.core.prebuilt import Prebuilt
from finplat.payment import settling
from finplat.payment.channels import ChannelAck, ChannelRegistry, DepositOrder, WithdrawalOrder
from finplat.payment.models import PaymentDeposit, PaymentWithdrawal
from finplat.payment.service import CREATED, PENDING, SENT

log = logging.getLogger(__name__)

# A withdrawal the channel accepted is ``sent``, unless its callback already settled it.
_WITHDRAWALS = cast(Table, PaymentWithdrawal.__table__)
_MARK_SENT = Prebuilt(
    update(_WITHDRAWALS)
    .where(_WITHDRAWALS.c.id == bindparam("withdrawal_id"), _WITHDRAWALS.c.status == CREATED)
    .values(status=SENT, updated_at=bindparam("now"))
)


async def submit_deposit(
    *,
    db: Database,
    channels: ChannelRegistry,
    user_id: int,
    deposit: Mapping[str, Any],
    now: datetime,
) -> ChannelAck | None:
    """Hand a just-created deposit (``create_deposit``'s 201 body) to its channel. A refusal
    fails the order; a timeout leaves it pending (the channel may have it; its callback or the
    recovery loop settles the question). Returns the channel's answer, None on a timeout."""
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
        return None
    if not ack.accepted:
        await fail_unfinished(
            db, PaymentDeposit, order_id=deposit_id, reason=ack.reason or "refused", now=now
        )
    return ack


async def submit_withdrawal(
    *,
    db: Database,
    channels: ChannelRegistry,
    user_id: int,
    withdrawal: Mapping[str, Any],
    now: datetime,
) -> ChannelAck | None:
    """Instruct the channel to pay out a just-created withdrawal (``create_withdrawal``'s 201
    body). Accepted -> ``sent``; refused -> hold voided, ``failed``; timeout -> left
    ``created`` for the recovery loop (the channel dedups on our reference). Returns the
    channel's answer, None on a timeout."""
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
        return None
    if ack.accepted:
        # Guarded: the callback may already have settled it (a fast channel answers first).
        await db.execute(_MARK_SENT, {"withdrawal_id": withdrawal_id, "now": now})
    else:
        await fail_unfinished(
            db, PaymentWithdrawal, order_id=withdrawal_id, reason=ack.reason or "refused", now=now
        )
    return ack


UNFINISHED: dict[type[PaymentDeposit] | type[PaymentWithdrawal], tuple[str, ...]] = {
    PaymentDeposit: (PENDING,),
    PaymentWithdrawal: (CREATED, SENT),
}


async def fail_unfinished(
    db: Database,
    model: type[PaymentDeposit] | type[PaymentWithdrawal],
    *,
    order_id: int,
    reason: str,
    now: datetime,
) -> bool:
    """Fail the order if it is still unfinished (the channel refused it, or never received it
    and it is too old to hand over again): one transaction, the order row locked, the same
    failure a channel's ``failed`` notice causes. Returns whether it was failed."""

    async def work(session: AsyncSession) -> bool:
        order: PaymentDeposit | PaymentWithdrawal | None = await session.scalar(
            select(model).where(model.id == order_id).with_for_update()
        )
        if order is None or order.status not in UNFINISHED[model]:
            return False  # settled meanwhile (a callback, another loop)
        await settling.fail(session, order, reason=reason, now=now)
        return True

    return await db.run(work)
