from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from finplat.core.errors import Conflict, Forbidden, InvalidInput
from finplat.product import domain

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _terms(**changes: object) -> domain.Terms:
    base = domain.Terms(
        product_type="fixed_income",
        risk_level="R2",
        annual_rate=Decimal("0.049"),
        term_days=90,
        min_amount_minor=100_000,
        step_amount_minor=10_000,
        max_per_investor_minor=1_000_000,
        raise_target_minor=5_000_000,
        raise_cap_minor=10_000_000,
        raise_start_at=NOW,
        raise_end_at=NOW + timedelta(days=3),
        yield_start_rule="day_after_raise_end",
        qualified_only=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


ALL_STATES = [
    domain.DRAFT,
    domain.SUBMITTED,
    domain.APPROVED,
    domain.REJECTED,
    domain.RAISING,
    domain.RAISED,
    domain.FAILED,
    domain.RUNNING,
    domain.PAYOUT_PENDING,
    domain.MATURED,
    domain.DELISTED,
]


@pytest.mark.parametrize("action", sorted(domain.TRANSITIONS))
@pytest.mark.parametrize("state", ALL_STATES)
def test_every_transition_is_allowed_only_from_its_sources(action: str, state: str) -> None:
    sources, target = domain.TRANSITIONS[action]
    if state in sources:
        assert domain.next_state(action, state) == target
    else:
        with pytest.raises(Conflict) as caught:
            domain.next_state(action, state)
        assert caught.value.code == "product.invalid_state"


def test_the_happy_path_reaches_matured() -> None:
    state = domain.DRAFT
    for action in ("submit", "approve", "publish"):
        state = domain.next_state(action, state)  # type: ignore[assignment]
    assert state == domain.RAISING
    assert domain.raise_outcome(sold_minor=10, raise_target_minor=10) == domain.RAISED
    assert domain.raise_outcome(sold_minor=9, raise_target_minor=10) == domain.FAILED
    assert domain.next_state("mature", domain.next_state("start", domain.RAISED)) == domain.MATURED  # type: ignore[arg-type]


def test_a_rejected_product_can_be_resubmitted_but_not_published() -> None:
    assert domain.next_state("submit", domain.REJECTED) == domain.SUBMITTED
    with pytest.raises(Conflict):
        domain.next_state("publish", domain.REJECTED)


def test_maker_checker() -> None:
    with pytest.raises(Forbidden) as caught:
        domain.require_different_reviewer(author_id=7, reviewer_id=7)
    assert caught.value.code == "product.self_review"
    domain.require_different_reviewer(author_id=7, reviewer_id=8)


@pytest.mark.parametrize("text", ["abc", "0", "-0.01", "1", "1.5", "NaN", "Infinity", "0.0000001"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        domain.parse_rate(text)


def test_rate_formats() -> None:
    rate = domain.parse_rate("0.049")
    assert domain.format_rate(rate) == "0.049000"
    assert domain.display_rate("0.049000") == "0.0490"
    assert domain.display_rate("0.123456") == "0.123456"
    assert domain.format_rate(Decimal("0.1")) > domain.format_rate(Decimal("0.09"))


def test_good_terms_pass() -> None:
    domain.check_terms(_terms(), now=NOW, qualified_minimum_minor=30_000_000)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"product_type": "crypto"}, "type"),
        ({"risk_level": "R6"}, "risk_level"),
        ({"term_days": 0}, "term_days"),
        ({"max_per_investor_minor": 1}, "max_per_investor_minor"),
        ({"raise_cap_minor": 1}, "raise_cap_minor"),
        ({"raise_end_at": NOW - timedelta(days=1)}, "raise_end_at"),
        ({"raise_end_at": NOW}, "raise_end_at"),
        ({"yield_start_rule": "whenever"}, "yield_start_rule"),
        ({"qualified_only": True}, "min_amount_minor"),
    ],
)
def test_bad_terms_name_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        domain.check_terms(_terms(**changes), now=NOW, qualified_minimum_minor=30_000_000)
    assert caught.value.errors and caught.value.errors[0]["field"] == field


def test_qualified_only_product_with_a_large_minimum_passes() -> None:
    terms = _terms(
        qualified_only=True,
        min_amount_minor=30_000_000,
        max_per_investor_minor=30_000_000,
        raise_target_minor=30_000_000,
        raise_cap_minor=60_000_000,
    )
    domain.check_terms(terms, now=NOW, qualified_minimum_minor=30_000_000)


def test_value_and_maturity_dates_use_the_business_day() -> None:
    # 2026-03-05T17:00Z is 01:00 on the 6th in Shanghai.
    closed = datetime(2026, 3, 5, 17, 0, tzinfo=UTC)
    assert domain.value_date(raise_closed_at=closed, rule="day_after_raise_end") == date(2026, 3, 7)
    assert domain.value_date(raise_closed_at=closed, rule="raise_end_day") == date(2026, 3, 6)
    assert domain.maturity_date(value_date=date(2026, 3, 7), term_days=30) == date(2026, 4, 6)


def test_raise_end() -> None:
    end = NOW + timedelta(days=1)
    assert not domain.raise_has_ended(now=NOW, raise_end_at=end, sold_minor=1, raise_cap_minor=2)
    assert domain.raise_has_ended(now=NOW, raise_end_at=end, sold_minor=2, raise_cap_minor=2)
    assert domain.raise_has_ended(now=end, raise_end_at=end, sold_minor=0, raise_cap_minor=2)
