"""Pure investing rules: grading, suitability, order limits, accrual arithmetic.

No database, no clock: the service passes ``now`` and the figures in.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from finplat.core.errors import Conflict, Forbidden, InvalidInput
from finplat.investment.questionnaire import Questionnaire

INVESTOR_LEVELS = ("C1", "C2", "C3", "C4", "C5")
LOWEST_LEVEL = "C1"
# ACT/365 fixed: a year is always 365 days for yield, leap years included.
DAY_COUNT_BASIS = 365


# ---- grading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Grade:
    score: int
    risk_level: str


def grade(questionnaire: Questionnaire, answers: Mapping[str, str]) -> Grade:
    """Score complete answers and band them into C1-C5; 422 naming the first bad answer."""
    unknown = sorted(set(answers) - {q.id for q in questionnaire.questions})
    if unknown:
        raise _invalid(f"answers.{unknown[0]}", "is not a question of this questionnaire")
    score = 0
    forced_lowest = False
    for question in questionnaire.questions:
        chosen = answers.get(question.id)
        if chosen is None:
            raise _invalid(f"answers.{question.id}", "must be answered")
        option = next((o for o in question.options if o.id == chosen), None)
        if option is None:
            raise _invalid(f"answers.{question.id}", "is not one of the question's options")
        score += option.score
        forced_lowest = forced_lowest or option.forces_lowest
    if forced_lowest:
        return Grade(score=score, risk_level=LOWEST_LEVEL)
    return Grade(score=score, risk_level=band(questionnaire, score))


def band(questionnaire: Questionnaire, score: int) -> str:
    for lowest, level in questionnaire.bands:
        if score >= lowest:
            return level
    return LOWEST_LEVEL


def assessment_expires_at(*, assessed_at: datetime, valid_days: int) -> datetime:
    return assessed_at + timedelta(days=valid_days)


# ---- suitability -----------------------------------------------------------------------------


def level_number(level: str) -> int:
    """``C3`` and ``R3`` are both 3."""
    return int(level[1:])


def is_match(*, investor_level: str, product_risk_level: str) -> bool:
    """C1 -> R1, C2 -> <=R2, ..., C5 -> all."""
    return level_number(product_risk_level) <= level_number(investor_level)


def check_suitability(
    *, investor_level: str | None, product_risk_level: str, acknowledged: bool
) -> bool:
    """Whether the purchase goes ahead as an acknowledged mismatch (True) or a match (False).

    Raises Forbidden ``investment.assessment_required`` without a valid assessment and
    ``investment.suitability_mismatch`` above the investor's level unless they confirmed the
    product's warning; the lowest category can never buy above its level.
    """
    if investor_level is None:
        raise Forbidden(
            "investment.assessment_required",
            "a valid risk-tolerance assessment is required before investing",
        )
    if is_match(investor_level=investor_level, product_risk_level=product_risk_level):
        return False
    if investor_level == LOWEST_LEVEL:
        raise Forbidden(
            "investment.suitability_mismatch",
            f"a {LOWEST_LEVEL} investor may only buy R1 products",
            extra={
                "investor_level": investor_level,
                "product_risk_level": product_risk_level,
                "can_acknowledge": False,
            },
        )
    if not acknowledged:
        raise Forbidden(
            "investment.suitability_mismatch",
            f"this {product_risk_level} product is above your level {investor_level}; "
            "read and confirm the product's risk warning to buy it anyway",
            extra={
                "investor_level": investor_level,
                "product_risk_level": product_risk_level,
                "can_acknowledge": True,
            },
        )
    return True


def is_qualified(
    *,
    experience_years: int,
    net_financial_assets_minor: int,
    financial_assets_minor: int,
    average_income_minor: int,
    min_experience_years: int,
    min_net_financial_assets_minor: int,
    min_financial_assets_minor: int,
    min_average_income_minor: int,
) -> bool:
    """资管新规: enough experience and one of the asset or income tests."""
    if experience_years < min_experience_years:
        return False
    return (
        net_financial_assets_minor >= min_net_financial_assets_minor
        or financial_assets_minor >= min_financial_assets_minor
        or average_income_minor >= min_average_income_minor
    )


# ---- order limits ----------------------------------------------------------------------------


def check_order_amount(
    *,
    amount_minor: int,
    min_amount_minor: int,
    step_amount_minor: int,
    max_per_investor_minor: int,
    already_ordered_minor: int,
    sold_minor: int,
    raise_cap_minor: int,
) -> None:
    """Minimum and step (422), per-investor maximum and the product's quota (409)."""
    if amount_minor < min_amount_minor:
        raise InvalidInput(
            "investment.below_minimum",
            f"amount_minor: the minimum is {min_amount_minor}",
            errors=[{"field": "amount_minor", "message": f"must be at least {min_amount_minor}"}],
        )
    if (amount_minor - min_amount_minor) % step_amount_minor:
        raise InvalidInput(
            "investment.invalid_step",
            f"amount_minor: must be the minimum plus whole steps of {step_amount_minor}",
            errors=[
                {
                    "field": "amount_minor",
                    "message": f"must be {min_amount_minor} plus a multiple of {step_amount_minor}",
                }
            ],
        )
    if already_ordered_minor + amount_minor > max_per_investor_minor:
        raise Conflict(
            "investment.investor_limit_exceeded",
            f"at most {max_per_investor_minor} per investor in this product; you hold "
            f"{already_ordered_minor} already",
            extra={"remaining_minor": max(max_per_investor_minor - already_ordered_minor, 0)},
        )
    if sold_minor + amount_minor > raise_cap_minor:
        raise Conflict(
            "investment.quota_exceeded",
            "the product does not have that much left",
            extra={"remaining_minor": max(raise_cap_minor - sold_minor, 0)},
        )


# ---- accrual ---------------------------------------------------------------------------------


def exact_yield(*, principal_minor: int, annual_rate: Decimal, days: int) -> Fraction:
    """principal x rate x days / 365, exactly (in fen)."""
    return Fraction(principal_minor) * Fraction(annual_rate) * days / DAY_COUNT_BASIS


def accrued_minor(*, principal_minor: int, annual_rate: Decimal, days: int) -> int:
    """Whole fen earned after ``days`` days: the exact running amount rounded down.

    Rounding the running total (never each day's share) is what keeps the sum of daily
    postings equal to the exact amount's floor, so daily accrual never drifts.
    """
    exact = exact_yield(principal_minor=principal_minor, annual_rate=annual_rate, days=days)
    return exact.numerator // exact.denominator


# Stored rates have at most 6 decimal places (product.domain.RATE_PLACES): a rate is a whole
# number of millionths.
RATE_SCALE = 10**6


def rate_millionths(annual_rate: str | Decimal) -> int:
    """A stored rate as whole millionths (``"0.036500"`` -> 36500); ValueError beyond 6 places."""
    scaled = Fraction(Decimal(annual_rate)) * RATE_SCALE
    if scaled.denominator != 1 or scaled < 0:
        raise ValueError(f"annual rate {annual_rate!r} is not a whole number of millionths")
    return int(scaled)


def accrued_minor_scaled(principal_minor: Any, rate_millionths: Any, days: Any,
                         divide: Callable[[Any, Any], Any] = operator.floordiv) -> Any:
    """``accrued_minor`` in integer arithmetic only, written once for Python integers and for SQL
    expressions (``divide`` is the integer division, ``core.statements.int_div`` in SQL): the bulk
    jobs compute each holding's yield in the database with exactly this rounding.

    floor(p x r x d / (365 x 10^6)) with p = hi x 10^6 + lo: every intermediate stays below
    2^63 for p <= 10^15 fen, r < 10^6 and d <= 3,650 days (hi x r x d < 3.7 x 10^18).
    """
    scaled_days = rate_millionths * days
    high = divide(principal_minor, RATE_SCALE) * scaled_days
    low = principal_minor % RATE_SCALE * scaled_days
    return divide(high, DAY_COUNT_BASIS) + divide(
        high % DAY_COUNT_BASIS * RATE_SCALE + low, DAY_COUNT_BASIS * RATE_SCALE)


def accrual_increment(
    *, principal_minor: int, annual_rate: Decimal, days_before: int, days_after: int
) -> int:
    """Fen to post when the accrued days go from ``days_before`` to ``days_after``."""
    return accrued_minor(
        principal_minor=principal_minor, annual_rate=annual_rate, days=days_after
    ) - accrued_minor(principal_minor=principal_minor, annual_rate=annual_rate, days=days_before)


def accrued_days(*, value_date: date, term_days: int, through_date: date) -> int:
    """Days of [value_date, value_date + term) up to and including ``through_date``."""
    return max(0, min((through_date - value_date).days + 1, term_days))


def boost_yield_minor(*, principal_minor: int, rate_boost_bps: int, term_days: int) -> int:
    """A coupon's extra yield over the whole term, rounded down like the base yield."""
    rate = Decimal(rate_boost_bps) / Decimal(10_000)
    return accrued_minor(principal_minor=principal_minor, annual_rate=rate, days=term_days)


def exact_text(value: Fraction, places: int = 6) -> str:
    """A display form of an exact fen amount (rounded down to ``places``)."""
    scale = 10**places
    scaled = value.numerator * scale // value.denominator
    whole, fraction = divmod(scaled, scale)
    return f"{whole}.{fraction:0{places}d}"


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        "investment.invalid_answers",
        f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )
