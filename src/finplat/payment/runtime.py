"""Wiring of the channels for one application: the simulators by default, their callback
secrets, and (in the embedded default) in-process delivery of their callbacks."""

from __future__ import annotations

import asyncio
from typing import Any

from finplat.config import Settings, get_settings
from finplat.core.clock import Clock
from finplat.core.db import Database
from finplat.payment import callbacks, recovery
from finplat.payment.channels import Channel, ChannelRegistry
from finplat.payment.config import PaymentSettings, get_payment_settings
from finplat.payment.simulator import Deliver, SignedCallback, SimulatedChannel

REFERENCE_PREFIXES = {"bank": "CB", "thirdparty": "TP"}


def secret_for(channel: str, *, settings: Settings, policy: PaymentSettings) -> str:
    return policy.channel_secrets.get(channel) or settings.channel_callback_secret


def build_registry(
    *, db: Database, settings: Settings, policy: PaymentSettings, deliver: Deliver | None
) -> ChannelRegistry:
    channels: dict[str, Channel] = {
        name: SimulatedChannel(
            name,
            db=db,
            secret=secret_for(name, settings=settings, policy=policy),
            reference_prefix=prefix,
            deliver=deliver,
            delay_ms=policy.simulator_callback_delay_ms,
        )
        for name, prefix in REFERENCE_PREFIXES.items()
    }
    return ChannelRegistry(channels, timeout_ms=policy.channel_timeout_ms)


def in_process_delivery(
    *, db: Database, clock: Clock, settings: Settings, policy: PaymentSettings
) -> Deliver:
    """Deliver a simulator's callback through the same verification a real one goes through."""

    async def deliver(callback: SignedCallback) -> str:
        from finplat.payment import signing

        return await callbacks.handle(
            db=db,
            channel=callback.channel,
            secret=secret_for(callback.channel, settings=settings, policy=policy),
            timestamp=callback.headers.get(signing.TIMESTAMP_HEADER),
            signature=callback.headers.get(signing.SIGNATURE_HEADER),
            body=callback.body,
            tolerance_seconds=policy.callback_tolerance_seconds,
            now=clock.now(),
        )

    return deliver


def policy_of(state: Any) -> PaymentSettings:
    policy = getattr(state, "payment_settings", None)
    if policy is None:
        policy = get_payment_settings()
        state.payment_settings = policy
    return policy


def channels_of(state: Any) -> ChannelRegistry:
    """The application's channel registry (``app.state``), built on first use.

    With ``run_background_in_process`` the simulators call back by themselves; otherwise (tests,
    scaled deployments without a simulator worker) their callbacks wait to be delivered.
    """
    registry = getattr(state, "payment_channels", None)
    if registry is None:
        settings: Settings = state.settings
        policy = policy_of(state)
        deliver = (
            in_process_delivery(db=state.db, clock=state.clock, settings=settings, policy=policy)
            if settings.run_background_in_process
            else None
        )
        registry = build_registry(db=state.db, settings=settings, policy=policy, deliver=deliver)
        state.payment_channels = registry
    return registry


async def drain(channels: ChannelRegistry) -> None:
    """Wait for the simulators' scheduled callbacks (a real adapter has none)."""
    for name in channels.names():
        pending = getattr(channels.get(name), "drain", None)
        if pending is not None:
            await pending()


async def run_recovery(
    db: Database, *, clock: Clock, stop: asyncio.Event, state: Any = None
) -> None:
    """The recovery loop (``finplat.payment.recovery``) until ``stop``: with the application's
    channels (``state``, in the API process) or with channels of its own (``finplat worker``),
    whose simulators call back in this process."""
    if state is not None:
        channels, policy = channels_of(state), policy_of(state)
    else:
        settings, policy = get_settings(), get_payment_settings()
        deliver = in_process_delivery(db=db, clock=clock, settings=settings, policy=policy)
        channels = build_registry(db=db, settings=settings, policy=policy, deliver=deliver)
    try:
        await recovery.run_forever(db, clock=clock, stop=stop, channels=channels, policy=policy)
    finally:
        await drain(channels)
