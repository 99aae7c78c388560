"""The one interface every payment channel adapter implements, and the bounded way to call it.

A channel accepts deposit orders and withdrawal instructions and later tells us the outcome by a
signed callback to ``POST /api/v1/payments/callbacks/{channel}``; asked about one of our
references (``query``) it answers what it knows, which is how unfinished orders are recovered
when a callback never came; once a business day it delivers a statement file of what it
settled, which reconciliation checks against our records.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, TypeVar

from finplat.core.errors import ServiceUnavailable
from finplat.payment.schemas import CallbackNotification

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DepositOrder:
    reference: str
    amount_minor: int
    currency: str
    user_id: int


@dataclass(frozen=True, slots=True)
class WithdrawalOrder:
    reference: str
    amount_minor: int  # what the customer receives (after the fee)
    currency: str
    user_id: int
    bank_card_id: int | None


@dataclass(frozen=True, slots=True)
class ChannelAck:
    """The channel took the order; the outcome comes by callback."""

    accepted: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """What a channel knows about one of our references: ``succeeded`` or ``failed`` (with the
    facts of its notice), ``processing`` (it has the order, no outcome yet) or ``unknown`` (it
    never received the order: handing it over again is safe)."""

    state: Literal["succeeded", "failed", "processing", "unknown"]
    kind: Literal["deposit", "withdrawal"] | None = None
    channel_reference: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    occurred_at: datetime | None = None
    reason: str | None = None

    def notification(self, reference: str) -> CallbackNotification | None:
        """The notice this answer amounts to (None unless the outcome is known): it is applied
        exactly as the callback carrying it would be."""
        if self.state not in ("succeeded", "failed"):
            return None
        return CallbackNotification.model_validate(
            {
                "channel_reference": self.channel_reference,
                "merchant_reference": reference,
                "kind": self.kind,
                "status": self.state,
                "amount_minor": self.amount_minor,
                "currency": self.currency,
                "occurred_at": self.occurred_at,
                "reason": self.reason,
            }
        )


class ChannelRejected(Exception):
    """The channel refused the order outright (no callback will follow)."""


class ChannelTimeout(ServiceUnavailable):
    def __init__(self, channel: str) -> None:
        super().__init__("payment.channel_timeout", f"the {channel} channel did not answer in time")


class Channel(Protocol):
    name: str

    async def create_deposit_order(self, order: DepositOrder, *, now: datetime) -> ChannelAck: ...

    async def send_withdrawal(self, order: WithdrawalOrder, *, now: datetime) -> ChannelAck: ...

    async def query(self, reference: str) -> ChannelStatus:
        """What the channel knows about our order ``reference`` (deposit or withdrawal)."""
        ...

    async def fetch_statement(self, business_date: date) -> bytes:
        """The channel's statement file for ``business_date`` (CSV, see ``statement_format``)."""
        ...


async def bounded(call: Awaitable[T], *, channel: str, timeout_ms: int) -> T:
    """Await a channel call for at most ``timeout_ms``; raises ``ChannelTimeout`` (503)."""
    try:
        async with asyncio.timeout(timeout_ms / 1000):
            return await call
    except TimeoutError:
        raise ChannelTimeout(channel) from None


class ChannelRegistry:
    """The channels this installation talks to, by name."""

    def __init__(self, channels: dict[str, Channel], *, timeout_ms: int) -> None:
        self._channels = channels
        self.timeout_ms = timeout_ms

    def names(self) -> tuple[str, ...]:
        return tuple(self._channels)

    def get(self, name: str) -> Channel:
        channel = self._channels.get(name)
        if channel is None:
            raise KeyError(name)
        return channel

    def __contains__(self, name: object) -> bool:
        return name in self._channels

    async def create_deposit_order(
        self, name: str, order: DepositOrder, *, now: datetime
    ) -> ChannelAck:
        return await bounded(
            self.get(name).create_deposit_order(order, now=now),
            channel=name,
            timeout_ms=self.timeout_ms,
        )

    async def send_withdrawal(
        self, name: str, order: WithdrawalOrder, *, now: datetime
    ) -> ChannelAck:
        return await bounded(
            self.get(name).send_withdrawal(order, now=now), channel=name, timeout_ms=self.timeout_ms
        )

    async def query(self, name: str, reference: str) -> ChannelStatus:
        return await bounded(
            self.get(name).query(reference), channel=name, timeout_ms=self.timeout_ms
        )

    async def fetch_statement(self, name: str, business_date: date) -> bytes:
        return await bounded(
            self.get(name).fetch_statement(business_date), channel=name, timeout_ms=self.timeout_ms
        )
