"""Pure marketing rules: no database, no clock. Every failure is a typed ``DomainError``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from finplat.core.errors import Conflict, InvalidInput, NotFound, field_error
from finplat.core.money import to_minor

CouponKind = Literal["cashback", "rate_boost"]
COUPON_KINDS: tuple[str, ...] = ("cashback", "rate_boost")

FEN_PER_YUAN = 100


@dataclass(frozen=True, slots=True)
class CouponTerms:
    """What a reserved coupon gives an order."""

    kind: CouponKind
    cashback_minor: int
    rate_boost_bps: int


@dataclass(frozen=True, slots=True)
class CouponView:
    """The facts of one coupon the rules need (a snapshot of the row)."""

    kind: str
    status: str
    cashback_minor: int
    rate_boost_bps: int
    rate_boost_cap_minor: int
    min_order_minor: int
    expires_at: datetime


def campaign_window(*, starts_at: datetime, ends_at: datetime) -> None:
    """Raises ``InvalidInput`` unless the half-open window ``[starts_at, ends_at)`` is non-empty."""
    if ends_at <= starts_at:
        raise field_error("ends_at", "must be after starts_at")


def require_campaign_open(*, status: str, starts_at: datetime, ends_at: datetime,
                          now: datetime) -> None:
    """Raises ``Conflict('marketing.campaign_closed' | 'marketing.campaign_not_open')``."""
    if status != "active":
        raise Conflict("marketing.campaign_closed", "this campaign is closed")
    if not (starts_at <= now < ends_at):
        raise Conflict("marketing.campaign_not_open", "this campaign is not running at this time")


def offer_shape(*, kind: str, cashback_minor: int, rate_boost_bps: int,
                rate_boost_cap_minor: int) -> None:
    """A cash-back offer pays cash only; a rate boost pays a capped extra rate only."""
    if kind not in COUPON_KINDS:
        raise field_error("kind", "must be cashback or rate_boost")
    boost = rate_boost_bps or rate_boost_cap_minor
    if kind == "cashback" and (cashback_minor <= 0 or boost):
        raise field_error("cashback_minor",
                          "a cashback coupon needs cashback_minor > 0 and no rate boost")
    if kind == "rate_boost" and (rate_boost_bps <= 0 or rate_boost_cap_minor <= 0
                                 or cashback_minor):
        raise field_error("rate_boost_bps",
                          "a rate_boost coupon needs rate_boost_bps > 0, rate_boost_cap_minor > 0 "
                          "and no cash-back")


def coupon_terms(coupon: CouponView, *, order_amount_minor: int, now: datetime) -> CouponTerms:
    """The terms of ``coupon`` for an order of ``order_amount_minor``.

    Raises ``Conflict('marketing.coupon_not_available')`` when it is reserved or used,
    ``Conflict('marketing.coupon_expired')`` at or after ``expires_at``, and
    ``InvalidInput('marketing.coupon_below_threshold')`` for an order under the threshold.
    """
    if coupon.status != "available":
        raise Conflict("marketing.coupon_not_available", "this coupon is already reserved or used")
    if now >= coupon.expires_at:
        raise Conflict("marketing.coupon_expired", "this coupon has expired")
    if order_amount_minor < coupon.min_order_minor:
        raise InvalidInput(
            "marketing.coupon_below_threshold",
            f"this coupon needs an order of at least {coupon.min_order_minor} fen",
            errors=[{"field": "coupon_id",
                     "message": "order amount is below the coupon threshold"}],
        )
    kind: CouponKind = "cashback" if coupon.kind == "cashback" else "rate_boost"
    return CouponTerms(kind=kind, cashback_minor=coupon.cashback_minor,
                       rate_boost_bps=coupon.rate_boost_bps)


def coupon_hold_minor(coupon: CouponView) -> int:
    """What the campaign budget holds while an order uses the coupon: its most possible cost."""
    return coupon.cashback_minor if coupon.kind == "cashback" else coupon.rate_boost_cap_minor


def display_status(*, status: str, expires_at: datetime, now: datetime) -> str:
    """Expiry is derived, not written: an unused coupon past its time shows as expired."""
    if status == "available" and now >= expires_at:
        return "expired"
    return status


def points_for_investment(*, amount_minor: int, points_per_yuan: Decimal) -> int:
    """Points earned for investing ``amount_minor``: whole points, fractions rounded down."""
    if amount_minor <= 0:
        return 0
    return to_minor(Decimal(amount_minor) * points_per_yuan / FEN_PER_YUAN, rounding="down")


def not_found(what: str) -> NotFound:
    return NotFound(f"marketing.{what}_not_found", f"no such {what.replace('_', ' ')}")
