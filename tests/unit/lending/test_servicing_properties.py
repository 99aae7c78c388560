"""Properties of servicing's rules: the waterfall with fees, the split of a receipt to claims,
the penalty cap, the payoff interest, and the all-in APR of a loan paid late with penalty."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from finplat.lending import apr, distribution, overdue, schedule
from finplat.lending.repayment import interest_to_date

money = st.integers(min_value=0, max_value=10**9)


def _row(n: int, penalty: int, interest: int, principal: int, fee: int) -> SimpleNamespace:
    return SimpleNamespace(id=100 + n, number=n, penalty_minor=penalty, interest_minor=interest,
                           principal_minor=principal, fee_minor=fee, paid_penalty_minor=0,
                           paid_interest_minor=0, paid_principal_minor=0, paid_fee_minor=0)


rows = st.lists(st.tuples(money, money, money, st.integers(0, 10**5)), min_size=1,
                max_size=8).map(lambda xs: [_row(n + 1, *x) for n, x in enumerate(xs)])


@given(amount=st.integers(min_value=0, max_value=10**10), installments=rows)
@settings(deadline=None)
def test_waterfall_pays_oldest_first_and_investors_before_the_fee(amount: int,
                                                                  installments: list) -> None:
    parts, left = distribution.waterfall(amount, installments)
    owed_total = sum(distribution.owed(r).total_minor for r in installments)
    assert sum(p.total_minor for p in parts) + left == amount
    assert left == max(0, amount - owed_total)
    by_id = {r.id: r for r in installments}
    for part in parts:
        due = distribution.owed(by_id[part.installment_id])
        assert 0 <= part.penalty_minor <= due.penalty_minor
        assert 0 <= part.interest_minor <= due.interest_minor
        assert 0 <= part.principal_minor <= due.principal_minor
        assert 0 <= part.fee_minor <= due.fee_minor
        # Within an installment: nothing to a later part while an earlier one still owes.
        if part.interest_minor:
            assert part.penalty_minor == due.penalty_minor
        if part.principal_minor:
            assert part.interest_minor == due.interest_minor
        if part.fee_minor:
            assert part.principal_minor == due.principal_minor
    # Oldest first: an installment left owing means nothing reached a later one.
    short = [p.number for p in parts
             if p.total_minor < distribution.owed(by_id[p.installment_id]).total_minor]
    assert not short or short[0] == parts[-1].number


claims = st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=40).map(
    lambda xs: [SimpleNamespace(id=n + 1, principal_minor=x) for n, x in enumerate(xs)])


@given(penalty=money, interest=money, principal=money, fee=money, holders=claims)
@settings(deadline=None)
def test_split_adds_up_per_part_and_is_pro_rata_to_the_fen(penalty: int, interest: int,
                                                           principal: int, fee: int,
                                                           holders: list) -> None:
    totals = distribution.Totals(penalty, interest, principal, fee)
    shares = distribution.split_to_claims(totals, holders)
    assert sum(s.penalty_minor for s in shares) == penalty
    assert sum(s.interest_minor for s in shares) == interest
    assert sum(s.principal_minor for s in shares) == principal
    whole = sum(c.principal_minor for c in holders)
    for share, claim in zip(shares, holders, strict=True):
        assert min(share.penalty_minor, share.interest_minor, share.principal_minor) >= 0
        exact = Decimal(principal) * claim.principal_minor / whole
        assert abs(share.principal_minor - exact) < 1


lprs = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.10"), places=4)


@given(lpr=lprs, days=st.integers(min_value=1, max_value=3650))
@settings(deadline=None)
def test_penalty_at_the_cap_never_earns_more_than_the_cap(lpr: Decimal, days: int) -> None:
    cap = overdue.daily_cap(str(lpr))
    annual = 4 * lpr
    # Simple daily accrual for ``days`` at most what the cap compounds to over that time.
    assert 1 + cap * days <= (1 + annual / 12) ** (Decimal(12 * days) / 365)


@given(principal=st.integers(min_value=10**5, max_value=10**9),
       months=st.integers(min_value=1, max_value=24),
       method=st.sampled_from(schedule.METHODS), late_months=st.integers(1, 6),
       which=st.integers(0, 23), penalty_daily=st.sampled_from(["0.0003", "0.0005", "0.001"]))
@settings(max_examples=60, deadline=None)
def test_a_late_installment_with_capped_penalty_keeps_the_all_in_apr_within_the_cap(
        principal: int, months: int, method: str, late_months: int, which: int,
        penalty_daily: str) -> None:
    lpr = Decimal("0.030")
    cap_annual = 4 * lpr
    # A loan within the cap, as origination lets through (priced a little below it: at the
    # cap exactly, the fen rounding of its interest alone can carry its APR past it).
    plan = schedule.build_schedule(principal_minor=principal,
                                   annual_rate=cap_annual - Decimal("0.005"),
                                   term_months=months, method=method,
                                   start_date=date(2026, 1, 15))
    flows = apr.cash_flows(plan)
    assume(apr.all_in_apr(plan).nominal_annual_rate <= cap_annual)
    index = 1 + which % len(plan.installments)
    month, amount = flows[index]
    rate = min(Decimal(penalty_daily), overdue.daily_cap(str(lpr)))
    days = 30 * late_months  # fewer days than the months they stand for: conservative
    penalty = int(Decimal(amount) * rate * days)
    flows[index] = (month + late_months, amount + penalty)
    late = apr.monthly_irr(sorted(flows)) * 12
    assert late <= cap_annual + Decimal("0.000001")


@given(interest=st.integers(0, 10**8), days=st.integers(28, 31), elapsed=st.integers(-5, 40))
@settings(deadline=None)
def test_interest_to_date_is_never_more_than_the_period(interest: int, days: int,
                                                        elapsed: int) -> None:
    start = date(2026, 1, 31)
    end = date.fromordinal(start.toordinal() + days)
    on = date.fromordinal(start.toordinal() + elapsed)
    got = interest_to_date(interest, period_start=start, period_end=end, on=on)
    assert 0 <= got <= interest
    if elapsed >= days:
        assert got == interest
    if elapsed <= 0:
        assert got == 0
