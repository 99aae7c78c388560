from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finplat.core.errors import Conflict, InvalidInput
from finplat.marketing import domain

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _coupon(**overrides):  # type: ignore[no-untyped-def]
    values = {"kind": "cashback", "status": "available", "cashback_minor": 1_000,
              "rate_boost_bps": 0, "rate_boost_cap_minor": 0, "min_order_minor": 100_000,
              "expires_at": NOW + timedelta(days=1)}
    values.update(overrides)
    return domain.CouponView(**values)


def test_cashback_terms_for_an_order_at_the_threshold() -> None:
    terms = domain.coupon_terms(_coupon(), order_amount_minor=100_000, now=NOW)
    assert terms == domain.CouponTerms(kind="cashback", cashback_minor=1_000, rate_boost_bps=0)


def test_rate_boost_terms_and_hold_is_the_cap() -> None:
    coupon = _coupon(kind="rate_boost", cashback_minor=0, rate_boost_bps=50,
                     rate_boost_cap_minor=5_000)
    terms = domain.coupon_terms(coupon, order_amount_minor=500_000, now=NOW)
    assert (terms.kind, terms.rate_boost_bps, terms.cashback_minor) == ("rate_boost", 50, 0)
    assert domain.coupon_hold_minor(coupon) == 5_000
    assert domain.coupon_hold_minor(_coupon()) == 1_000


def test_below_threshold_is_422() -> None:
    with pytest.raises(InvalidInput) as caught:
        domain.coupon_terms(_coupon(), order_amount_minor=99_999, now=NOW)
    assert caught.value.code == "marketing.coupon_below_threshold"


def test_expired_at_the_instant_of_expiry() -> None:
    with pytest.raises(Conflict) as caught:
        domain.coupon_terms(_coupon(expires_at=NOW), order_amount_minor=100_000, now=NOW)
    assert caught.value.code == "marketing.coupon_expired"
    assert domain.display_status(status="available", expires_at=NOW, now=NOW) == "expired"
    assert domain.display_status(status="used", expires_at=NOW, now=NOW) == "used"


@pytest.mark.parametrize("status", ["reserved", "used", "settled"])
def test_a_coupon_serves_one_order(status: str) -> None:
    with pytest.raises(Conflict) as caught:
        domain.coupon_terms(_coupon(status=status), order_amount_minor=100_000, now=NOW)
    assert caught.value.code == "marketing.coupon_not_available"


def test_campaign_open_only_inside_its_half_open_window() -> None:
    start, end = NOW, NOW + timedelta(days=7)
    domain.require_campaign_open(status="active", starts_at=start, ends_at=end, now=start)
    for now in (start - timedelta(seconds=1), end):
        with pytest.raises(Conflict) as caught:
            domain.require_campaign_open(status="active", starts_at=start, ends_at=end, now=now)
        assert caught.value.code == "marketing.campaign_not_open"
    with pytest.raises(Conflict) as caught:
        domain.require_campaign_open(status="closed", starts_at=start, ends_at=end, now=start)
    assert caught.value.code == "marketing.campaign_closed"


def test_campaign_window_must_not_be_empty() -> None:
    with pytest.raises(InvalidInput):
        domain.campaign_window(starts_at=NOW, ends_at=NOW)


@pytest.mark.parametrize(("kind", "cashback", "bps", "cap"), [
    ("cashback", 0, 0, 0), ("cashback", 100, 10, 0), ("rate_boost", 0, 50, 0),
    ("rate_boost", 100, 50, 1000), ("voucher", 100, 0, 0),
])
def test_offer_shape_refuses_mixed_or_empty_offers(kind: str, cashback: int, bps: int,
                                                   cap: int) -> None:
    with pytest.raises(InvalidInput):
        domain.offer_shape(kind=kind, cashback_minor=cashback, rate_boost_bps=bps,
                           rate_boost_cap_minor=cap)


def test_points_round_down_to_whole_points() -> None:
    assert domain.points_for_investment(amount_minor=100_099, points_per_yuan=Decimal(1)) == 1_000
    assert domain.points_for_investment(amount_minor=150, points_per_yuan=Decimal("0.5")) == 0
    assert domain.points_for_investment(amount_minor=0, points_per_yuan=Decimal(2)) == 0


@given(st.integers(min_value=1, max_value=10**12),
       st.decimals(min_value=0, max_value=100, places=4, allow_nan=False))
def test_points_never_exceed_the_exact_rate(amount_minor: int, rate: Decimal) -> None:
    points = domain.points_for_investment(amount_minor=amount_minor, points_per_yuan=rate)
    exact = Decimal(amount_minor) * rate / 100
    assert 0 <= points <= exact < points + 1
