"""Continuous recovery of unfinished orders: nothing stays ``pending``, ``created`` or ``sent``.

An order is unfinished when its outcome never reached us: the process stopped between the
commit and the hand-over, or between the hand-over and the ``sent`` mark, the channel call
timed out, or the channel's callback was lost. Every ``recovery_interval_seconds`` the loop
takes the unfinished orders older than ``recovery_grace_seconds`` and, for each, asks its channel
what it knows (``Channel.query``):

- an outcome (paid / failed): applied through ``callbacks.apply_notification``, exactly as the
  callback carrying it would have been (so a callback arriving at the same time, or another
  loop, finds the order final and changes nothing);
- ``processing``: left for the callback, looked at again later;
- ``unknown`` (never received): handed over again with the same reference (the channel
  recognises it), or failed once ``recovery_give_up_minutes`` old.

Two loops (two processes) never work on one order at once: each claims an order with one
guarded UPDATE of its ``recovery_due_at`` (a lease of ``recovery_retry_seconds``), and the
order is not looked at again before the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Update, bindparam, or_, select, update

from finplat.core.clock import Clock
from finplat.core.db import Database
from finplat.core.errors import DomainError
from finplat.payment import callbacks, handover
from finplat.payment.channels import ChannelRegistry
from finplat.payment.config import PaymentSettings
from finplat.payment.handover import UNFINISHED
from finplat.payment.models import PaymentDeposit, PaymentWithdrawal
from finplat.payment.views import deposit_view, withdrawal_view

log = logging.getLogger(__name__)

Model = type[PaymentDeposit] | type[PaymentWithdrawal]
NEVER_RECEIVED = "never received by the channel"


@dataclass(slots=True)
class RecoveryReport:
    settled: int = 0  # an outcome the channel knew, applied
    resubmitted: int = 0  # handed over again
    failed: int = 0  # never received and too old
    waiting: int = 0  # the channel has it without an outcome, or did not answer

    @property
    def orders(self) -> int:
        return self.settled + self.resubmitted + self.failed + self.waiting


def _claim_statement(model: Model) -> Update:
    return (
        update(model)
        .where(
            model.id == bindparam("order_id"),
            model.status.in_(UNFINISHED[model]),
            or_(model.recovery_due_at.is_(None), model.recovery_due_at <= bindparam("now")),
        )
        .values(recovery_due_at=bindparam("until"))
    )


_CLAIM = {model: _claim_statement(model) for model in UNFINISHED}


async def _due(db: Database, model: Model, *, now: datetime, policy: PaymentSettings) -> list[int]:
    cutoff = now - timedelta(seconds=policy.recovery_grace_seconds)
    rows = await db.fetch_all(
        select(model.id)
        .where(
            model.status.in_(UNFINISHED[model]),
            model.created_at <= cutoff,
            or_(model.recovery_due_at.is_(None), model.recovery_due_at <= now),
        )
        .order_by(model.id)
        .limit(policy.recovery_batch_size)
    )
    return [int(row[0]) for row in rows]


async def _load(db: Database, model: Model, order_id: int) -> PaymentDeposit | PaymentWithdrawal:
    async with db.transaction(readonly=True) as session:
        order: PaymentDeposit | PaymentWithdrawal | None = await session.get(model, order_id)
    assert order is not None, "orders are never deleted"
    return order


async def recover_once(
    *, db: Database, channels: ChannelRegistry, policy: PaymentSettings, now: datetime
) -> RecoveryReport:
    """One pass over the unfinished orders that are due (at most ``recovery_batch_size`` of
    each kind). Safe to run in several processes at once."""
    report = RecoveryReport()
    lease = {"now": now, "until": now + timedelta(seconds=policy.recovery_retry_seconds)}
    for model in UNFINISHED:
        for order_id in await _due(db, model, now=now, policy=policy):
            if not await db.execute(_CLAIM[model], {"order_id": order_id, **lease}):
                continue  # another loop has it, or it was settled since the scan
            order = await _load(db, model, order_id)
            if order.status not in UNFINISHED[model]:
                continue
            try:
                await _recover(db, channels, policy, order, now=now, report=report)
            except Exception:
                # One order's trouble (an adapter's malformed answer, a database error) must
                # not hold up the others; it is tried again when its lease ends.
                log.exception(
                    "recovering a payment order failed", extra={"reference": order.reference}
                )
                report.waiting += 1
    return report


async def _recover(
    db: Database,
    channels: ChannelRegistry,
    policy: PaymentSettings,
    order: PaymentDeposit | PaymentWithdrawal,
    *,
    now: datetime,
    report: RecoveryReport,
) -> None:
    try:
        status = await channels.query(order.channel, order.reference)
    except DomainError as error:
        log.warning(
            "channel status query failed", extra={"reference": order.reference, "code": error.code}
        )
        report.waiting += 1
        return
    notification = status.notification(order.reference)
    if notification is not None:
        outcome = await callbacks.apply_notification(
            db=db, channel=order.channel, notification=notification, now=now
        )
        if outcome == callbacks.APPLIED:
            report.settled += 1
        elif outcome != callbacks.DUPLICATE:  # stored as an anomaly for operations
            log.warning(
                "channel status contradicts the order",
                extra={"reference": order.reference, "outcome": outcome},
            )
            report.waiting += 1
        return
    if status.state == "processing":
        report.waiting += 1
        return
    if order.created_at <= now - timedelta(minutes=policy.recovery_give_up_minutes):
        if await handover.fail_unfinished(
            db, type(order), order_id=order.id, reason=NEVER_RECEIVED, now=now
        ):
            report.failed += 1
        return
    await _resubmit(db, channels, order, now=now)
    report.resubmitted += 1


async def _resubmit(
    db: Database,
    channels: ChannelRegistry,
    order: PaymentDeposit | PaymentWithdrawal,
    *,
    now: datetime,
) -> None:
    if isinstance(order, PaymentDeposit):
        await handover.submit_deposit(
            db=db, channels=channels, user_id=order.user_id, deposit=deposit_view(order), now=now
        )
    else:
        await handover.submit_withdrawal(
            db=db,
            channels=channels,
            user_id=order.user_id,
            withdrawal=withdrawal_view(order),
            now=now,
        )


async def run_forever(
    db: Database,
    *,
    clock: Clock,
    stop: asyncio.Event,
    channels: ChannelRegistry,
    policy: PaymentSettings,
) -> None:
    """A recovery pass every ``recovery_interval_seconds`` until ``stop`` (at once again while
    passes come back full). A failed pass is logged and retried; it never ends the loop."""
    while not stop.is_set():
        report = RecoveryReport()
        try:
            report = await recover_once(db=db, channels=channels, policy=policy, now=clock.now())
        except Exception:
            log.exception("recovering unfinished payment orders failed; retrying")
        if report.orders:
            log.info(
                "payment orders recovered",
                extra={
                    "settled": report.settled,
                    "resubmitted": report.resubmitted,
                    "failed": report.failed,
                    "waiting": report.waiting,
                },
            )
        if report.orders >= policy.recovery_batch_size:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=policy.recovery_interval_seconds)
