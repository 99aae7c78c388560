"""Repayment schedules: the reference values, the month-end rule and the invariants of every
method (docs/LENDING.md)."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finplat.core.errors import InvalidInput
from finplat.lending.schedule import (
    MAX_PRINCIPAL_MINOR,
    MAX_TERM_MONTHS,
    METHODS,
    annuity_payment_minor,
    build_schedule,
    due_date,
    parse_annual_rate,
)

START = date(2026, 1, 15)


def _plan(principal_minor=100_000_000, rate="0.049", months=360, method="equal_installment",
          start=START):
    return build_schedule(principal_minor=principal_minor, annual_rate=Decimal(rate),
                          term_months=months, method=method, start_date=start)


# -- reference values ------------------------------------------------------------------------

def test_equal_installment_reference_payment() -> None:
    plan = _plan()
    assert {i.total_minor for i in plan.installments[:-1]} == {530_727}  # 5,307.27 a month
    first = plan.installments[0]
    assert (first.interest_minor, first.principal_minor) == (408_333, 122_394)
    assert plan.installments[-1].principal_remaining_minor == 0
    assert sum(i.principal_minor for i in plan.installments) == 100_000_000


def test_equal_principal_reference_values() -> None:
    plan = _plan(method="equal_principal")
    assert plan.installments[0].total_minor == 686_111  # 6,861.11
    assert plan.total_interest_minor == 73_704_167  # 737,041.67
    assert plan.total_minor == 100_000_000 + 73_704_167
    # P/n to within a fen each month
    assert {i.principal_minor for i in plan.installments} <= {277_777, 277_778}


def test_interest_first_pays_interest_then_principal() -> None:
    plan = _plan(principal_minor=1_200_000, rate="0.12", months=3, method="interest_first")
    assert [(i.principal_minor, i.interest_minor) for i in plan.installments] == [
        (0, 12_000), (0, 12_000), (1_200_000, 12_000)]
    assert [i.principal_remaining_minor for i in plan.installments] == [1_200_000, 1_200_000, 0]


def test_bullet_is_one_installment_with_simple_interest() -> None:
    plan = _plan(principal_minor=1_000_000, rate="0.06", months=18, method="bullet")
    (only,) = plan.installments
    assert only.number == 1 and only.due_date == date(2027, 7, 15)
    # simple interest over the term: 10,000.00 × 6% × 18/12, not compounded
    assert (only.principal_minor, only.interest_minor, only.total_minor) == (
        1_000_000, 90_000, 1_090_000)


def test_half_a_fen_of_interest_rounds_up() -> None:
    # 50 fen × 1% × 12/12 = exactly 0.5 fen: an exact tie, not 0.4999…, so it rounds up.
    tie = _plan(principal_minor=50, rate="0.01", months=12, method="bullet")
    assert tie.total_interest_minor == 1
    # 150 fen × 4% / 12 = 0.5 fen each month
    plan = _plan(principal_minor=150, rate="0.04", months=2, method="interest_first")
    assert [i.interest_minor for i in plan.installments] == [1, 1]


@pytest.mark.parametrize("method", METHODS)
def test_zero_rate(method: str) -> None:
    plan = _plan(principal_minor=1_000_001, rate="0", months=12, method=method)
    assert plan.total_interest_minor == 0
    assert plan.total_minor == 1_000_001
    assert sum(i.principal_minor for i in plan.installments) == 1_000_001


@pytest.mark.parametrize("method", METHODS)
def test_one_month(method: str) -> None:
    plan = _plan(principal_minor=1_000_000, rate="0.12", months=1, method=method)
    (only,) = plan.installments
    assert (only.principal_minor, only.interest_minor, only.principal_remaining_minor) == (
        1_000_000, 10_000, 0)
    assert only.due_date == date(2026, 2, 15)


def test_tiny_principal_over_a_long_term_is_never_negative() -> None:
    # 180 fen over 360 months: the rounded payment (1 fen) repays it early; later months are 0.
    plan = _plan(principal_minor=180, rate="0", months=360, method="equal_installment")
    assert sum(i.principal_minor for i in plan.installments) == 180
    assert all(i.principal_minor >= 0 for i in plan.installments)
    plan = _plan(principal_minor=180, rate="0", months=360, method="equal_principal")
    assert {i.principal_minor for i in plan.installments} == {0, 1}


# -- due dates -------------------------------------------------------------------------------

def test_month_end_rule_from_the_31st() -> None:
    dates = [i.due_date for i in _plan(months=5, start=date(2024, 1, 31)).installments]
    assert dates == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31),
                     date(2024, 6, 30)]
    assert due_date(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert due_date(date(2025, 1, 30), 1) == date(2025, 2, 28)
    assert due_date(date(2025, 1, 30), 2) == date(2025, 3, 30)  # no drift after February
    assert due_date(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert due_date(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert due_date(date(2025, 11, 15), 2) == date(2026, 1, 15)  # across the year


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
       months=st.integers(min_value=0, max_value=MAX_TERM_MONTHS))
def test_due_date_keeps_the_day_or_takes_the_last(start: date, months: int) -> None:
    due = due_date(start, months)
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == months
    assert due.day == min(start.day, calendar.monthrange(due.year, due.month)[1])


# -- limits ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "code"), [
    ({"principal_minor": 0}, "lending.invalid_principal"),
    ({"principal_minor": MAX_PRINCIPAL_MINOR + 1}, "lending.invalid_principal"),
    ({"principal_minor": True}, "lending.invalid_principal"),
    ({"months": 0}, "lending.invalid_term"),
    ({"months": 361}, "lending.invalid_term"),
    ({"rate": "-0.01"}, "lending.invalid_rate"),
    ({"rate": "1.000001"}, "lending.invalid_rate"),
    ({"rate": "0.0490001"}, "lending.invalid_rate"),
    ({"rate": "NaN"}, "lending.invalid_rate"),
    ({"method": "balloon"}, "lending.invalid_method"),
])
def test_bad_terms_are_refused_with_stable_codes(kwargs: dict, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _plan(**kwargs)
    assert caught.value.code == code
    assert caught.value.errors and caught.value.errors[0]["field"]


def test_limits_are_inclusive() -> None:
    assert _plan(principal_minor=1, rate="1", months=360).principal_minor == 1
    assert _plan(principal_minor=MAX_PRINCIPAL_MINOR, rate="1", months=360,
                 method="equal_principal").installments[-1].principal_remaining_minor == 0


def test_parse_annual_rate() -> None:
    assert parse_annual_rate(" 0.049 ") == Decimal("0.049")
    assert parse_annual_rate("0.0490000") == Decimal("0.049")
    assert parse_annual_rate("1") == 1 and parse_annual_rate("0") == 0
    for text in ("4.9%", "", "abc", "inf", "4.9"):
        with pytest.raises(InvalidInput) as caught:
            parse_annual_rate(text)
        assert caught.value.code == "lending.invalid_rate"


# -- invariants for any principal, rate and term -----------------------------------------------

principals = st.integers(min_value=1, max_value=MAX_PRINCIPAL_MINOR)
rates = st.integers(min_value=0, max_value=10**6).map(lambda micro: Decimal(micro) / 10**6)
terms = st.integers(min_value=1, max_value=MAX_TERM_MONTHS)


@settings(max_examples=150, deadline=None)
@given(principal=principals, rate=rates, months=terms, method=st.sampled_from(METHODS))
def test_every_schedule_adds_up(principal: int, rate: Decimal, months: int, method: str) -> None:
    plan = build_schedule(principal_minor=principal, annual_rate=rate, term_months=months,
                          method=method, start_date=date(2024, 1, 31))
    rows = plan.installments
    assert sum(i.principal_minor for i in rows) == principal
    assert plan.total_interest_minor == sum(i.interest_minor for i in rows)
    assert plan.total_minor == sum(i.total_minor for i in rows)
    assert plan.total_minor == principal + plan.total_interest_minor
    assert [i.number for i in rows] == list(range(1, len(rows) + 1))
    assert len(rows) == (1 if method == "bullet" else months)
    assert rows[-1].principal_remaining_minor == 0
    outstanding = principal
    for row in rows:
        assert row.principal_minor >= 0 and row.interest_minor >= 0
        assert row.total_minor == row.principal_minor + row.interest_minor
        outstanding -= row.principal_minor
        assert row.principal_remaining_minor == outstanding >= 0
    assert rows[-1].due_date == due_date(date(2024, 1, 31), months)


@settings(max_examples=150, deadline=None)
@given(principal=principals, rate=rates, months=terms)
def test_equal_installments_are_equal_but_the_last(principal: int, rate: Decimal,
                                                   months: int) -> None:
    plan = build_schedule(principal_minor=principal, annual_rate=rate, term_months=months,
                          method="equal_installment", start_date=START)
    payment = annuity_payment_minor(principal, rate, months)
    for row in plan.installments[:-1]:
        # Only a principal of a few fen a month is repaid early (payment rounded up to a fen);
        # after that the installments are zero.
        assert row.total_minor == payment or row.principal_remaining_minor == 0 or (
            row.total_minor == 0)
    # The last absorbs every fen of rounding, which compounds at the loan's rate: at most
    # ((1 + r)^n − 1) / r fen (n at 0%) away from the payment, unless repaid early.
    r = float(rate) / 12
    bound = months if r == 0 else ((1 + r) ** months - 1) / r
    last = plan.installments[-1]
    early = any(i.principal_remaining_minor == 0 for i in plan.installments[:-1])
    assert early or abs(last.total_minor - payment) <= bound + 1


@settings(max_examples=100, deadline=None)
@given(principal=st.integers(min_value=10**5, max_value=10**10),
       rate=st.integers(min_value=0, max_value=360_000).map(lambda m: Decimal(m) / 10**6),
       months=st.integers(min_value=1, max_value=24))
def test_short_equal_installment_loans_end_within_a_few_fen(principal: int, rate: Decimal,
                                                            months: int) -> None:
    plan = build_schedule(principal_minor=principal, annual_rate=rate, term_months=months,
                          method="equal_installment", start_date=START)
    totals = [i.total_minor for i in plan.installments]
    assert len(set(totals[:-1])) <= 1
    # Two years at up to 36%: the compounding bound above is at most 35 fen.
    assert abs(totals[-1] - annuity_payment_minor(principal, rate, months)) <= 35
