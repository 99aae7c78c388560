"""The all-in APR (IRR with fees), the 4 × LPR cap and the dated LPR table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finplat.core.errors import Conflict, InvalidInput
from finplat.lending.apr import (
    LPR_ONE_YEAR,
    all_in_apr,
    cash_flows,
    check_apr_cap,
    lpr_on,
    monthly_irr,
)
from finplat.lending.schedule import METHODS, build_schedule

START = date(2026, 1, 15)


def _plan(principal_minor=1_200_000, rate="0.12", months=12, method="equal_installment"):
    return build_schedule(principal_minor=principal_minor, annual_rate=Decimal(rate),
                          term_months=months, method=method, start_date=START)


def test_fee_less_loan_apr_is_its_rate() -> None:
    apr = all_in_apr(_plan(principal_minor=100_000_000, rate="0.049", months=360))
    assert abs(apr.nominal_annual_rate - Decimal("0.049")) < Decimal("1e-7")
    assert abs(apr.monthly_rate * 12 - apr.nominal_annual_rate) < Decimal("1e-9")
    # effective = (1 + 0.049/12)^12 − 1 ≈ 5.0115%
    assert abs(apr.effective_annual_rate - Decimal("0.050115")) < Decimal("1e-6")


def test_fees_in_the_apr() -> None:
    plan = _plan(method="equal_principal")
    flows = cash_flows(plan, upfront_fee_minor=10_000, installment_fee_minor=500)
    assert flows[0] == (0, -1_190_000)
    assert flows[1] == (1, plan.installments[0].total_minor + 500)
    assert len(flows) == 13
    with_fees = all_in_apr(plan, upfront_fee_minor=10_000, installment_fee_minor=500)
    # 12,000.00 at 12% over 12 months, 100.00 upfront and 5.00 a month: 14.53% all-in.
    assert with_fees.nominal_annual_rate == Decimal("0.1452949560")
    assert with_fees.effective_annual_rate == Decimal("0.1553720150")
    assert abs(with_fees.nominal_annual_rate - _bisect_float(flows)) < Decimal("1e-9")


def _bisect_float(flows) -> Decimal:
    """An independent float check of the same IRR."""
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        pv = sum(amount / (1 + mid) ** month for month, amount in flows)
        lo, hi = (mid, hi) if pv > 0 else (lo, mid)
    return Decimal(repr(lo * 12))


def test_zero_rate_no_fee_is_zero() -> None:
    assert all_in_apr(_plan(rate="0")).nominal_annual_rate == 0


def test_bullet_apr_is_below_its_simple_rate_beyond_one_month() -> None:
    # 6% simple over 24 months: (1 + m)^24 = 1.12, so m ≈ 0.4733% a month, 5.680% a year.
    apr = all_in_apr(_plan(principal_minor=10_000_000, rate="0.06", months=24, method="bullet"))
    assert abs(apr.monthly_rate - (Decimal("1.12") ** (Decimal(1) / 24) - 1)) < Decimal("1e-10")
    assert apr.nominal_annual_rate < Decimal("0.06")
    one_month = all_in_apr(_plan(principal_minor=10_000_000, rate="0.06", months=1,
                                 method="bullet"))
    assert one_month.nominal_annual_rate == Decimal("0.06")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"upfront_fee_minor": -1}, "upfront_fee_minor"),
    ({"upfront_fee_minor": 1_200_000}, "upfront_fee_minor"),
    ({"installment_fee_minor": -1}, "installment_fee_minor"),
    ({"installment_fee_minor": 10**12 + 1}, "installment_fee_minor"),
])
def test_bad_fees(kwargs: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        all_in_apr(_plan(), **kwargs)
    assert caught.value.code == "lending.invalid_fee"
    assert caught.value.errors == [{"field": field, "message": caught.value.errors[0]["message"]}]


def test_irr_refuses_flows_that_are_not_a_loan() -> None:
    with pytest.raises(ValueError):
        monthly_irr([(0, -100), (1, 50)])
    with pytest.raises(ValueError):
        monthly_irr([(1, 100)])


def test_extreme_fees_still_solve() -> None:
    plan = _plan(principal_minor=1, rate="1", months=360)
    apr = all_in_apr(plan, installment_fee_minor=10**12)
    assert apr.nominal_annual_rate > Decimal(10**12)


# -- the cap ---------------------------------------------------------------------------------

def test_cap_refuses_above_four_times_lpr_with_both_figures() -> None:
    check_apr_cap(Decimal("0.124"), Decimal("0.031"))
    check_apr_cap(Decimal("0.1240004"), Decimal("0.031"))  # within the 6-place comparison
    with pytest.raises(Conflict) as caught:
        check_apr_cap(Decimal("0.124001"), Decimal("0.031"))
    error = caught.value
    assert error.code == "lending.apr_cap" and error.status == 409
    assert error.extra == {"apr": "0.124001", "cap": "0.124000", "lpr_one_year": "0.031",
                           "multiple": 4}
    assert "0.124001" in error.detail and "0.124000" in error.detail
    check_apr_cap(Decimal("0.15"), Decimal("0.031"), multiple=5)


def test_a_loan_priced_at_the_cap_passes() -> None:
    cap = 4 * lpr_on(date(2026, 1, 15))
    assert cap == Decimal("0.1200")
    for method in ("equal_installment", "equal_principal", "interest_first"):
        plan = _plan(principal_minor=5_000_000, rate=str(cap), months=36, method=method)
        check_apr_cap(all_in_apr(plan).nominal_annual_rate, lpr_on(date(2026, 1, 15)))
    with pytest.raises(Conflict):
        plan = _plan(principal_minor=5_000_000, rate=str(cap), months=36)
        check_apr_cap(all_in_apr(plan, upfront_fee_minor=100).nominal_annual_rate,
                      lpr_on(date(2026, 1, 15)))


def test_lpr_on_is_dated() -> None:
    assert lpr_on(date(2024, 10, 20)) == Decimal("0.0335")
    assert lpr_on(date(2024, 10, 21)) == Decimal("0.0310")
    assert lpr_on(date(2025, 5, 19)) == Decimal("0.0310")
    assert lpr_on(date(2025, 5, 20)) == Decimal("0.0300")
    assert lpr_on(date(2030, 1, 1)) == LPR_ONE_YEAR[-1][1]
    assert lpr_on(date(2026, 1, 1), [(date(2025, 12, 22), Decimal("0.029"))]) == Decimal("0.029")
    with pytest.raises(InvalidInput) as caught:
        lpr_on(date(2020, 1, 1))
    assert caught.value.code == "lending.lpr_unknown"
    assert [d for d, _ in LPR_ONE_YEAR] == sorted(d for d, _ in LPR_ONE_YEAR)


# -- properties ------------------------------------------------------------------------------

periodic = st.sampled_from([m for m in METHODS if m != "bullet"])
rates = st.integers(min_value=0, max_value=10**6).map(lambda micro: Decimal(micro) / 10**6)


@settings(max_examples=80, deadline=None)
@given(principal=st.integers(min_value=10**6, max_value=10**12), rate=rates,
       months=st.integers(min_value=1, max_value=360), method=periodic)
def test_fee_less_apr_equals_the_nominal_rate(principal: int, rate: Decimal, months: int,
                                              method: str) -> None:
    plan = build_schedule(principal_minor=principal, annual_rate=rate, term_months=months,
                          method=method, start_date=START)
    apr = all_in_apr(plan).nominal_annual_rate
    # Only the half-up rounding of each month's interest (≤ 0.5 fen) moves the IRR off the
    # nominal rate: at most 12 × n half-fen over the fen-months outstanding, plus the solver's
    # tolerance.
    fen_months = sum(i.principal_minor + i.principal_remaining_minor for i in plan.installments)
    assert abs(apr - rate) <= Decimal(12 * months) / fen_months + Decimal("1e-9")


@settings(max_examples=60, deadline=None)
@given(principal=st.integers(min_value=10**4, max_value=10**12), rate=rates,
       months=st.integers(min_value=1, max_value=360), method=st.sampled_from(METHODS),
       data=st.data())
def test_fees_raise_the_apr(principal: int, rate: Decimal, months: int, method: str,
                            data: st.DataObject) -> None:
    plan = build_schedule(principal_minor=principal, annual_rate=rate, term_months=months,
                          method=method, start_date=START)
    upfront = data.draw(st.integers(min_value=0, max_value=principal - 1))
    monthly = data.draw(st.integers(min_value=0, max_value=principal))
    base = all_in_apr(plan).nominal_annual_rate
    with_fees = all_in_apr(plan, upfront_fee_minor=upfront, installment_fee_minor=monthly)
    assert with_fees.nominal_annual_rate >= base
    if upfront * 10**5 >= principal or monthly * 10**5 >= principal:
        assert with_fees.nominal_annual_rate > base
    assert with_fees.effective_annual_rate >= with_fees.nominal_annual_rate
