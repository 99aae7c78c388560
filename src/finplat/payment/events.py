"""The payment package's events (``finplat.events.types``)."""

from __future__ import annotations

from datetime import date

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
    """A channel's notice that changed nothing because it contradicts our order (another
    amount, currency, kind or channel, no such order, or an order already final otherwise):
    for operations to investigate. Not a state change, so it is emitted without an audit
    record; the notice itself is kept in ``payment_callback``."""

    topic = "payment.callback_anomaly"
    channel: str
    channel_reference: str
    merchant_reference: str
    status: str
    detail: str



class _ReconciliationFacts(DomainEvent):
    """What a reconciliation run found (no topic: the base of the two below)."""

    report_id: int
    channel: str
    business_date: date
    matched_count: int
    discrepancy_count: int


class Reconciled(_ReconciliationFacts):
    """A channel's statement for a business date was compared with our settled orders and the
    report stored (``matched`` or ``mismatch``)."""

    topic = "payment.reconciled"


class ReconciliationMismatch(_ReconciliationFacts):
    """A reconciliation found discrepancies between the channel's statement and our books: an
    alert for operations (the report lists each one)."""

    topic = "payment.reconciliation_mismatch"
