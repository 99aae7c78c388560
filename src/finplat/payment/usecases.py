"""Each funds request of the HTTP edge as one call: open the order (its own transaction, once per
Idempotency-Key), then hand it to its channel after the commit; verify and apply a channel's
callback. The router translates HTTP to these and back."""

from __future__ import annotations

from collections.abc import Mapping

from finplat.config import Settings
from finplat.core import idempotency
from finplat.core.clock import Clock
from finplat.core.db import Database
from finplat.core.errors import NotFound
from finplat.core.money import Money
from finplat.payment import callbacks, handover, runtime, service, signing
from finplat.payment.channels import ChannelRegistry
from finplat.payment.config import PaymentSettings
from finplat.payment.service import HELD


async def deposit(
    *,
    db: Database,
    channels: ChannelRegistry,
    policy: PaymentSettings,
    user_id: int,
    amount: Money,
    channel: str,
    idempotency_key: str,
    clock: Clock,
) -> idempotency.Outcome:
    """Open a deposit and hand it to its channel (a replayed answer hands nothing over again);
    raises what ``service.create_deposit`` raises."""
    outcome = await service.create_deposit(
        db=db, user_id=user_id, amount=amount, channel=channel, idempotency_key=idempotency_key,
        policy=policy, currency=amount.currency, now=clock.now(),
    )
    if outcome.status_code == 201 and not outcome.replayed:
        await handover.submit_deposit(db=db, channels=channels, user_id=user_id,
                                      deposit=outcome.body, now=clock.now())
    return outcome


async def withdraw(
    *,
    db: Database,
    channels: ChannelRegistry,
    policy: PaymentSettings,
    user_id: int,
    amount: Money,
    bank_card_id: int | None,
    channel: str | None,
    idempotency_key: str,
    clock: Clock,
) -> idempotency.Outcome:
    """Hold the amount, open a withdrawal and hand it to its channel; raises what
    ``service.create_withdrawal`` raises."""
    outcome = await service.create_withdrawal(
        db=db, user_id=user_id, amount=amount, bank_card_id=bank_card_id, channel=channel,
        idempotency_key=idempotency_key, policy=policy, currency=amount.currency,
        now=clock.now(),
    )
    # A withdrawal a blocking rule held waits for a risk officer (payment.review), not the channel.
    if outcome.status_code == 201 and not outcome.replayed and outcome.body["status"] != HELD:
        await handover.submit_withdrawal(db=db, channels=channels, user_id=user_id,
                                         withdrawal=outcome.body, now=clock.now())
    return outcome


async def receive_callback(
    *,
    db: Database,
    channels: ChannelRegistry,
    settings: Settings,
    policy: PaymentSettings,
    channel: str,
    headers: Mapping[str, str],
    body: bytes,
    clock: Clock,
) -> str:
    """A channel's signed notice: verified with that channel's secret, then applied once.
    Raises ``NotFound('payment.channel_not_found')`` and what ``callbacks.handle`` raises."""
    if channel not in channels:
        raise NotFound("payment.channel_not_found", "no such channel")
    return await callbacks.handle(
        db=db,
        channel=channel,
        secret=runtime.secret_for(channel, settings=settings, policy=policy),
        timestamp=headers.get(signing.TIMESTAMP_HEADER),
        signature=headers.get(signing.SIGNATURE_HEADER),
        body=body,
        tolerance_seconds=policy.callback_tolerance_seconds,
        now=clock.now(),
    )
