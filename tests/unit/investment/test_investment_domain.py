from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finplat.core.errors import Conflict, Forbidden, InvalidInput
from finplat.investment import domain, questionnaire

Q = questionnaire.current()


def _answers(pick: int) -> dict[str, str]:
    return {q.id: q.options[min(pick, len(q.options) - 1)].id for q in Q.questions}


def test_questionnaire_has_at_least_ten_questions_on_every_topic() -> None:
    assert len(Q.questions) >= 10
    assert {q.topic for q in Q.questions} >= {
        "finances",
        "experience",
        "goals",
        "loss_tolerance",
        "age",
    }
    ids = [o.id for q in Q.questions for o in q.options]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, "C1"),
        (20, "C1"),
        (21, "C2"),
        (36, "C2"),
        (37, "C3"),
        (53, "C3"),
        (54, "C4"),
        (82, "C4"),
        (83, "C5"),
        (100, "C5"),
    ],
)
def test_bands_follow_the_sac_template(score: int, level: str) -> None:
    assert domain.band(Q, score) == level


def test_lowest_and_highest_answers() -> None:
    assert domain.grade(Q, _answers(0)).risk_level == "C1"
    highest = {q.id: max(q.options, key=lambda o: o.score).id for q in Q.questions}
    result = domain.grade(Q, highest)
    assert result.score == 100
    assert result.risk_level == "C5"


def test_cannot_bear_any_loss_means_the_lowest_category() -> None:
    highest = {q.id: max(q.options, key=lambda o: o.score).id for q in Q.questions}
    highest["q9"] = "q9a"
    result = domain.grade(Q, highest)
    assert result.risk_level == "C1"
    assert result.score == 90


@pytest.mark.parametrize(
    "bad",
    [
        {"q1": "q1a"},  # incomplete
        {**{q.id: q.options[0].id for q in Q.questions}, "q1": "q2a"},  # option of another question
        {**{q.id: q.options[0].id for q in Q.questions}, "q99": "q99a"},  # unknown question
    ],
)
def test_bad_answers_are_422(bad: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        domain.grade(Q, bad)


LEVELS = ["C1", "C2", "C3", "C4", "C5"]
RISKS = ["R1", "R2", "R3", "R4", "R5"]


@pytest.mark.parametrize("investor", LEVELS)
@pytest.mark.parametrize("product", RISKS)
def test_suitability_matrix(investor: str, product: str) -> None:
    match = int(product[1]) <= int(investor[1])
    if match:
        assert (
            domain.check_suitability(
                investor_level=investor, product_risk_level=product, acknowledged=False
            )
            is False
        )
        return
    with pytest.raises(Forbidden) as caught:
        domain.check_suitability(
            investor_level=investor, product_risk_level=product, acknowledged=False
        )
    assert caught.value.code == "investment.suitability_mismatch"
    if investor == "C1":
        with pytest.raises(Forbidden):
            domain.check_suitability(
                investor_level=investor, product_risk_level=product, acknowledged=True
            )
    else:
        assert (
            domain.check_suitability(
                investor_level=investor, product_risk_level=product, acknowledged=True
            )
            is True
        )


def test_no_assessment_is_403() -> None:
    with pytest.raises(Forbidden) as caught:
        domain.check_suitability(investor_level=None, product_risk_level="R1", acknowledged=True)
    assert caught.value.code == "investment.assessment_required"


def test_qualification() -> None:
    rules = dict(
        min_experience_years=2,
        min_net_financial_assets_minor=300,
        min_financial_assets_minor=500,
        min_average_income_minor=40,
    )
    assert domain.is_qualified(
        experience_years=2,
        net_financial_assets_minor=300,
        financial_assets_minor=0,
        average_income_minor=0,
        **rules,
    )
    assert domain.is_qualified(
        experience_years=3,
        net_financial_assets_minor=0,
        financial_assets_minor=0,
        average_income_minor=40,
        **rules,
    )
    assert not domain.is_qualified(
        experience_years=1,
        net_financial_assets_minor=10**9,
        financial_assets_minor=10**9,
        average_income_minor=10**9,
        **rules,
    )
    assert not domain.is_qualified(
        experience_years=5,
        net_financial_assets_minor=299,
        financial_assets_minor=499,
        average_income_minor=39,
        **rules,
    )


def _order(**changes: int) -> None:
    args = dict(
        amount_minor=150_000,
        min_amount_minor=100_000,
        step_amount_minor=10_000,
        max_per_investor_minor=500_000,
        already_ordered_minor=0,
        sold_minor=0,
        raise_cap_minor=1_000_000,
    )
    args.update(changes)
    domain.check_order_amount(**args)


def test_order_limits() -> None:
    _order()
    for changes, error, code in [
        ({"amount_minor": 99_999}, InvalidInput, "investment.below_minimum"),
        ({"amount_minor": 155_000}, InvalidInput, "investment.invalid_step"),
        ({"already_ordered_minor": 400_000}, Conflict, "investment.investor_limit_exceeded"),
        ({"sold_minor": 900_000}, Conflict, "investment.quota_exceeded"),
    ]:
        with pytest.raises(error) as caught:
            _order(**changes)
        assert caught.value.code == code
    _order(sold_minor=850_000)  # exactly the cap


def test_accrued_days_are_clamped_to_the_term() -> None:
    start = date(2026, 3, 3)
    assert domain.accrued_days(value_date=start, term_days=30, through_date=date(2026, 3, 2)) == 0
    assert domain.accrued_days(value_date=start, term_days=30, through_date=start) == 1
    assert domain.accrued_days(value_date=start, term_days=30, through_date=date(2026, 12, 1)) == 30


def test_a_known_yield() -> None:
    # 10,000.00 yuan at 3.65% for 365 days is exactly 365.00 yuan; for one day exactly 1.00.
    assert (
        domain.accrued_minor(principal_minor=1_000_000, annual_rate=Decimal("0.0365"), days=365)
        == 36_500
    )
    assert (
        domain.accrued_minor(principal_minor=1_000_000, annual_rate=Decimal("0.0365"), days=1)
        == 100
    )
    # 1,000.00 yuan at 4.9% for 1 day is 13.424...fen: 13 fen.
    assert domain.accrued_minor(principal_minor=100_000, annual_rate=Decimal("0.049"), days=1) == 13


rates = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("0.999999"), places=6)


@settings(max_examples=300)
@given(
    principal=st.integers(min_value=1, max_value=10**12),
    rate=rates,
    term=st.integers(min_value=1, max_value=3650),
    skips=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=60),
)
def test_daily_increments_never_drift(
    principal: int, rate: Decimal, term: int, skips: list[int]
) -> None:
    """However the days are grouped (missed runs catch up), the postings sum to the exact floor."""
    posted = 0
    days = 0
    for step in skips:
        after = min(days + step, term)
        increment = domain.accrual_increment(
            principal_minor=principal, annual_rate=rate, days_before=days, days_after=after
        )
        assert increment >= 0
        posted += increment
        days = after
    exact = domain.exact_yield(principal_minor=principal, annual_rate=rate, days=days)
    assert posted == domain.accrued_minor(principal_minor=principal, annual_rate=rate, days=days)
    assert 0 <= exact - posted < 1


@settings(max_examples=200)
@given(
    principals=st.lists(st.integers(min_value=1, max_value=10**10), min_size=1, max_size=30),
    rate=rates,
    term=st.integers(min_value=1, max_value=400),
)
def test_platform_total_is_the_sum_of_investor_amounts(
    principals: list[int], rate: Decimal, term: int
) -> None:
    per_investor_daily = [
        sum(
            domain.accrual_increment(
                principal_minor=p, annual_rate=rate, days_before=d, days_after=d + 1
            )
            for d in range(term)
        )
        if term <= 60
        else domain.accrued_minor(principal_minor=p, annual_rate=rate, days=term)
        for p in principals
    ]
    totals = [
        domain.accrued_minor(principal_minor=p, annual_rate=rate, days=term) for p in principals
    ]
    assert per_investor_daily == totals
    # Rounding per investor can only lose less than one fen each against the pooled exact amount.
    pooled = sum(
        domain.exact_yield(principal_minor=p, annual_rate=rate, days=term) for p in principals
    )
    assert 0 <= pooled - sum(totals) < len(principals)


def test_boost_and_exact_text() -> None:
    assert (
        domain.boost_yield_minor(principal_minor=1_000_000, rate_boost_bps=100, term_days=365)
        == 10_000
    )
    assert (
        domain.exact_text(
            domain.exact_yield(principal_minor=100_000, annual_rate=Decimal("0.049"), days=1)
        )
        == "13.424657"
    )


@settings(max_examples=500, deadline=None)
@given(
    principal=st.integers(min_value=0, max_value=10**15),
    millionths=st.integers(min_value=1, max_value=999_999),
    days=st.integers(min_value=0, max_value=3650),
)
def test_the_integer_yield_is_the_exact_yield_rounded_down(
    principal: int, millionths: int, days: int
) -> None:
    rate = Decimal(millionths) / Decimal(10**6)
    assert domain.accrued_minor_scaled(principal, millionths, days) == domain.accrued_minor(
        principal_minor=principal, annual_rate=rate, days=days
    )
    assert domain.rate_millionths(f"{rate:.6f}") == millionths


def test_a_rate_beyond_six_places_is_not_scaled() -> None:
    with pytest.raises(ValueError, match="millionths"):
        domain.rate_millionths("0.0000001")
