"""The investment package's events (``finplat.events.types``)."""

from __future__ import annotations

from finplat.events.types import DomainEvent


class OrderConfirmed(DomainEvent):
    """A raise succeeded: the order's money went to the product and a holding started."""

    topic = "investment.order_confirmed"
    order_id: int
    user_id: int
    product_id: int
    amount_minor: int
    currency: str


class OrderRefunded(DomainEvent):
    """An order's hold was released because its raise failed or the product was delisted."""

    topic = "investment.order_refunded"
    order_id: int
    user_id: int
    product_id: int
    amount_minor: int
    currency: str
    reason: str  # raise_failed | delisted | wallet_blocked


class HoldingPaid(DomainEvent):
    """A product matured and a holding's principal and yield were paid to the wallet."""

    topic = "investment.holding_paid"
    holding_id: int
    order_id: int
    user_id: int
    product_id: int
    principal_minor: int
    yield_minor: int
    currency: str


class PayoutUnderfunded(DomainEvent):
    """A matured product cannot be paid: its institution's settlement account is short."""

    topic = "investment.payout_underfunded"
    product_id: int
    institution_id: int
    required_minor: int
    available_minor: int
    shortfall_minor: int
    business_date: str


class PayoutBlocked(DomainEvent):
    """A matured product was paid except for holdings whose wallets take no money (frozen or
    closed); those wait (the first ``holding_ids``, ``count`` in all)."""

    topic = "investment.payout_blocked"
    product_id: int
    holding_ids: list[int]
    count: int
    business_date: str


class OrderPlaced(DomainEvent):
    """An investor bought into a raising product: the money is held in the wallet towards the
    product's escrow until the raise closes."""

    topic = "investment.order_placed"
    order_id: int
    user_id: int
    product_id: int
    amount_minor: int
    currency: str
    coupon_id: int | None


class OrderCancelled(DomainEvent):
    """The investor cancelled a pending order while the raise was open: the hold was voided."""

    topic = "investment.order_cancelled"
    order_id: int
    user_id: int
    product_id: int
    amount_minor: int
    currency: str


class RiskAssessed(DomainEvent):
    """An investor answered the risk questionnaire; their risk level is set until it expires."""

    topic = "investment.assessed"
    assessment_id: int
    user_id: int
    questionnaire_version: str
    score: int
    risk_level: str


class SettlementFunded(DomainEvent):
    """An institution user moved money from their wallet to the institution's settlement
    account (from which maturity payouts are paid)."""

    topic = "investment.settlement_funded"
    institution_id: int
    user_id: int
    entry_id: int
    amount_minor: int
    currency: str


class SettlementWithdrawn(DomainEvent):
    """An institution user took money back from the settlement account to their wallet."""

    topic = "investment.settlement_withdrawn"
    institution_id: int
    user_id: int
    entry_id: int
    amount_minor: int
    currency: str
