"""The product package's events (``finplat.events.types``): one class per step of a product's
life, each with the product's state after it. Topics are named after the state reached."""

from __future__ import annotations

from finplat.events.types import DomainEvent


class ProductChanged(DomainEvent):
    """What every product event carries (abstract: no topic)."""

    product_id: int
    institution_id: int
    status: str
    risk_level: str
    product_version: int
    previous_status: str | None = None


class ProductCreated(ProductChanged):
    topic = "product.created"


class ProductRevised(ProductChanged):
    topic = "product.revised"
    disclosures_revised: list[str]


class ProductDisclosuresRevised(ProductChanged):
    topic = "product.disclosures_revised"
    kinds: list[str]


class ProductSubmitted(ProductChanged):
    topic = "product.submitted"


class ProductApproved(ProductChanged):
    topic = "product.approved"


class ProductRejected(ProductChanged):
    topic = "product.rejected"


class ProductPublished(ProductChanged):
    """On sale: the raise is open."""

    topic = "product.raising"


class ProductRaised(ProductChanged):
    topic = "product.raised"
    sold_minor: int
    raise_target_minor: int


class ProductRaiseFailed(ProductChanged):
    topic = "product.failed"
    sold_minor: int
    raise_target_minor: int


class ProductDelisted(ProductChanged):
    topic = "product.delisted"
    reason: str | None = None


class ProductStarted(ProductChanged):
    """The value date came: the product is running and accrues."""

    topic = "product.running"


class ProductPayoutPending(ProductChanged):
    """Maturity came but the payout waits (the institution has not paid in enough, or holdings
    could not be paid)."""

    topic = "product.payout_pending"
    required_minor: int | None = None
    blocked_holdings: int | None = None


class ProductMatured(ProductChanged):
    topic = "product.matured"


BY_TOPIC: dict[str, type[ProductChanged]] = {
    cls.topic: cls for cls in (
        ProductCreated, ProductRevised, ProductDisclosuresRevised, ProductSubmitted,
        ProductApproved, ProductRejected, ProductPublished, ProductRaised, ProductRaiseFailed,
        ProductDelisted, ProductStarted, ProductPayoutPending, ProductMatured)
}
