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
