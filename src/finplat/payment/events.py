"""The payment package's events (``finplat.events.types``)."""

from __future__ import annotations

from finplat.events.types import DomainEvent


class DepositSucceeded(DomainEvent):
    """The channel confirmed a deposit and the customer's wallet was credited."""

    topic = "payment.deposit_succeeded"
    deposit_id: int
    user_id: int
    amount_minor: int
    currency: str
    channel: str


class DepositFailed(DomainEvent):
    """A deposit ended without money arriving (refused by the channel, or never handed over)."""

    topic = "payment.deposit_failed"
    deposit_id: int
    user_id: int
    amount_minor: int
    currency: str
    channel: str
    reason: str


class WithdrawalSucceeded(DomainEvent):
    """The channel paid a withdrawal out: the hold was posted and the fee booked."""

    topic = "payment.withdrawal_succeeded"
    withdrawal_id: int
    user_id: int
    amount_minor: int
    fee_minor: int
    currency: str
    channel: str


class WithdrawalFailed(DomainEvent):
    """A withdrawal was not paid out: its hold was voided, the money is available again."""

    topic = "payment.withdrawal_failed"
    withdrawal_id: int
    user_id: int
    amount_minor: int
    currency: str
    channel: str
    reason: str


class CallbackAnomaly(DomainEvent):
    """A signed channel notification that contradicts our order (unknown reference, another
    channel, a final order, another amount or currency): recorded, nothing changed."""

    topic = "payment.callback_anomaly"
    channel: str
    channel_reference: str
    merchant_reference: str
    status: str
    detail: str
