"""Marketing's public service API for other packages (``investment`` above all).

Every function is keyword-only and works in the caller's transaction (``session``): an order
and its coupon commit or roll back together. A coupon's life with an order::

    reserve_coupon (order placed: the cost is held on the campaign budget)
      -> release_coupon (order cancelled or refunded: hold voided, coupon usable again)
      -> settle_coupon (raise succeeded: cash-back paid into the wallet; a rate boost starts)
           -> pay_rate_boost (maturity: the boosted yield paid, at most the coupon's cap)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import Conflict, InvalidInput
from finplat.events import service as events_service
from finplat.marketing import budget, campaigns, domain, points
from finplat.marketing.domain import CouponTerms
from finplat.marketing.events import CouponReleased, CouponReserved, CouponUsed, RateBoostPaid
from finplat.marketing.models import Coupon

__all__ = [
    "CouponTerms",
    "award_points_for_investment",
    "pay_rate_boost",
    "release_coupon",
    "reserve_coupon",
    "settle_coupon",
]


def _view(coupon: Coupon) -> domain.CouponView:
    return domain.CouponView(kind=coupon.kind, status=coupon.status,
                             cashback_minor=coupon.cashback_minor,
                             rate_boost_bps=coupon.rate_boost_bps,
                             rate_boost_cap_minor=coupon.rate_boost_cap_minor,
                             min_order_minor=coupon.min_order_minor, expires_at=coupon.expires_at)


def _terms(coupon: Coupon) -> CouponTerms:
    return CouponTerms(kind="cashback" if coupon.kind == "cashback" else "rate_boost",
                       cashback_minor=coupon.cashback_minor, rate_boost_bps=coupon.rate_boost_bps)


async def _locked(session: AsyncSession, *condition: ColumnElement[bool]) -> Coupon | None:
    return await session.scalar(select(Coupon).where(*condition).with_for_update()
                                .execution_options(populate_existing=True))


async def reserve_coupon(session: AsyncSession, *, user_id: int, coupon_id: int, order_id: int,
                         product_id: int, order_amount_minor: int, now: datetime) -> CouponTerms:
    """Reserve ``coupon_id`` for ``order_id`` and hold its most possible cost on the budget.

    Calling it again for the same order and coupon returns the same terms. Raises
    ``NotFound('marketing.coupon_not_found')`` (also for another user's coupon),
    ``Conflict('marketing.coupon_not_available' | 'marketing.coupon_expired' |
    'marketing.order_has_coupon' | 'marketing.campaign_closed' | 'marketing.budget_exhausted')``,
    ``InvalidInput('marketing.coupon_below_threshold')``.
    """
    coupon = await _locked(session, Coupon.id == coupon_id)
    if coupon is None or coupon.user_id != user_id:
        raise domain.not_found("coupon")
    if coupon.order_id == order_id and coupon.status == "reserved":
        return _terms(coupon)
    terms = domain.coupon_terms(_view(coupon), order_amount_minor=order_amount_minor, now=now)
    other = await session.scalar(select(Coupon.id).where(Coupon.order_id == order_id))
    if other is not None:
        raise Conflict("marketing.order_has_coupon", "an order takes one coupon only")
    campaign = await campaigns.get_campaign(session, campaign_id=coupon.campaign_id, lock="share")
    if campaign.status != "active":
        raise Conflict("marketing.campaign_closed", "this coupon's campaign has ended")
    held = domain.coupon_hold_minor(_view(coupon))
    coupon.hold_id = await budget.hold(session, campaign=campaign, user_id=user_id,
                                       amount_minor=held, source_id=f"{coupon.id}:{order_id}",
                                       now=now)
    coupon.held_minor = held
    coupon.status = "reserved"
    coupon.order_id, coupon.product_id = order_id, product_id
    coupon.order_amount_minor, coupon.reserved_at = order_amount_minor, now
    await session.flush()
    # Part of the order's use case, which the investment package audits: outbox only.
    await events_service.emit(session, CouponReserved(coupon_id=coupon.id, order_id=order_id,
                                                      user_id=user_id), now=now)
    return terms


async def release_coupon(session: AsyncSession, *, order_id: int, now: datetime) -> bool:
    """The order was cancelled or refunded: void the hold and make the coupon usable again.

    Returns False when the order has no reserved coupon (nothing to release). Raises
    ``Conflict('marketing.coupon_already_used')`` once the coupon was settled.
    """
    coupon = await _locked(session, Coupon.order_id == order_id)
    if coupon is None:
        return False
    if coupon.status != "reserved":
        raise Conflict("marketing.coupon_already_used", "a settled coupon cannot be released")
    campaign = await campaigns.get_campaign(session, campaign_id=coupon.campaign_id, lock="share")
    if coupon.hold_id is not None:
        await budget.void_hold(session, hold_id=coupon.hold_id, now=now)
    coupon.status = "available"
    coupon.order_id = coupon.product_id = coupon.order_amount_minor = None
    coupon.hold_id, coupon.held_minor, coupon.reserved_at = None, 0, None
    await session.flush()
    await budget.sweep_if_closed(session, campaign=campaign, now=now)
    await events_service.emit(session, CouponReleased(coupon_id=coupon.id, order_id=order_id),
                              now=now)
    return True


async def settle_coupon(session: AsyncSession, *, order_id: int, now: datetime
                        ) -> CouponTerms | None:
    """The raise succeeded: pay a cash-back from the budget into the wallet (posting its hold);
    a rate boost stays held until ``pay_rate_boost``. Returns the terms, or None when the
    order has no coupon. Settling twice is harmless."""
    coupon = await _locked(session, Coupon.order_id == order_id)
    if coupon is None:
        return None
    if coupon.status != "reserved":
        return _terms(coupon)
    if coupon.kind == "cashback" and coupon.hold_id is not None:
        await budget.post_hold(session, hold_id=coupon.hold_id, amount_minor=coupon.held_minor,
                               now=now)
        coupon.paid_minor = coupon.held_minor
    coupon.status, coupon.used_at = "used", now
    await session.flush()
    await events_service.emit(session, CouponUsed(coupon_id=coupon.id, order_id=order_id,
                                                  user_id=coupon.user_id,
                                                  paid_minor=coupon.paid_minor), now=now)
    return _terms(coupon)


async def pay_rate_boost(session: AsyncSession, *, order_id: int, amount_minor: int,
                         now: datetime) -> int:
    """At maturity, pay the boosted part of the yield from the budget into the wallet.

    Pays ``min(amount_minor, cap)`` and releases the rest of the hold; returns what was paid.
    Raises ``InvalidInput`` for a negative amount, ``NotFound('marketing.coupon_not_found')``
    when the order has no rate-boost coupon, ``Conflict('marketing.coupon_not_settled')`` before
    ``settle_coupon`` and ``Conflict('marketing.coupon_already_paid')`` after a first payment.
    """
    if amount_minor < 0:
        raise InvalidInput("marketing.invalid_amount", "amount_minor must not be negative")
    coupon = await _locked(session, Coupon.order_id == order_id)
    if coupon is None or coupon.kind != "rate_boost":
        raise domain.not_found("coupon")
    if coupon.status == "settled":
        raise Conflict("marketing.coupon_already_paid", "this rate boost has been paid")
    if coupon.status != "used" or coupon.hold_id is None:
        raise Conflict("marketing.coupon_not_settled", "the order's raise has not succeeded")
    campaign = await campaigns.get_campaign(session, campaign_id=coupon.campaign_id, lock="share")
    paid = min(amount_minor, coupon.held_minor)
    if paid > 0:
        await budget.post_hold(session, hold_id=coupon.hold_id, amount_minor=paid, now=now)
    else:
        await budget.void_hold(session, hold_id=coupon.hold_id, now=now)
    coupon.paid_minor, coupon.status = paid, "settled"
    await session.flush()
    await budget.sweep_if_closed(session, campaign=campaign, now=now)
    await events_service.emit(session, RateBoostPaid(coupon_id=coupon.id, order_id=order_id,
                                                     user_id=coupon.user_id, paid_minor=paid),
                              now=now)
    return paid


async def award_points_for_investments(session: AsyncSession, *,
                                       awards: Sequence[tuple[int, int, int]],
                                       now: datetime) -> int:
    """``award_points_for_investment`` for many ``(user_id, order_id, amount_minor)`` at once,
    in a constant number of statements (a raise's confirmed orders); returns awards written."""
    rate = await points.points_per_yuan(session, now=now)
    return await points.earn_many(
        session, reason="investment", now=now,
        awards=[(user_id, domain.points_for_investment(amount_minor=amount_minor,
                                                       points_per_yuan=rate),
                 f"investment:{order_id}") for user_id, order_id, amount_minor in awards])


async def award_points_for_investment(session: AsyncSession, *, user_id: int, order_id: int,
                                      amount_minor: int, now: datetime) -> int:
    """Credit points for investing ``amount_minor`` at the rate in force; once per order.

    Returns the points of this order's award (the first award's on a repeat call).
    """
    rate = await points.points_per_yuan(session, now=now)
    earned = domain.points_for_investment(amount_minor=amount_minor, points_per_yuan=rate)
    entry = await points.earn(session, user_id=user_id, points=earned, reason="investment",
                              reference=f"investment:{order_id}", now=now)
    return 0 if entry is None else entry.delta_points
