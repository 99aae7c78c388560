"""The repayment waterfall (penalty → interest → principal, oldest first) and the pro-rata split
of a receipt across investors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finplat.core.errors import InvalidInput
from finplat.lending.allocation import Applied, Due, apply_repayment, split_receipt

DUES = [Due(number=3, penalty_minor=0, interest_minor=500, principal_minor=10_000),
        Due(number=2, penalty_minor=30, interest_minor=600, principal_minor=9_000)]


def test_oldest_first_penalty_interest_principal() -> None:
    result = apply_repayment(9_700, DUES)
    assert result.applied == (
        Applied(number=2, penalty_minor=30, interest_minor=600, principal_minor=9_000),
        Applied(number=3, penalty_minor=0, interest_minor=70, principal_minor=0),
    )
    assert result.remainder_minor == 0 and result.applied_minor == 9_700


def test_partial_pays_penalty_before_interest() -> None:
    result = apply_repayment(100, DUES)
    assert result.applied == (Applied(2, 30, 70, 0),)
    assert apply_repayment(20, DUES).applied == (Applied(2, 20, 0, 0),)


def test_more_than_due_leaves_a_remainder() -> None:
    result = apply_repayment(30_000, DUES)
    assert result.applied_minor == 20_130 and result.remainder_minor == 9_870
    assert apply_repayment(0, DUES).applied == ()
    assert apply_repayment(50, []).remainder_minor == 50


def test_bad_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        apply_repayment(-1, DUES)
    assert caught.value.code == "lending.invalid_amount"
    with pytest.raises(ValueError):
        apply_repayment(1, [DUES[0], DUES[0]])
    with pytest.raises(ValueError):
        Due(number=1, penalty_minor=-1, interest_minor=0, principal_minor=0)
    with pytest.raises(InvalidInput):
        split_receipt(-1, [1, 2])
    with pytest.raises(ValueError):
        split_receipt(10, [0, 0])


dues = st.lists(
    st.builds(Due, number=st.integers(min_value=1, max_value=360),
              penalty_minor=st.integers(0, 10**6), interest_minor=st.integers(0, 10**8),
              principal_minor=st.integers(0, 10**10)),
    max_size=12, unique_by=lambda due: due.number)


@given(amount=st.integers(min_value=0, max_value=10**11), owed=dues)
def test_waterfall_order_and_totals(amount: int, owed: list[Due]) -> None:
    result = apply_repayment(amount, owed)
    assert result.applied_minor + result.remainder_minor == amount
    total_owed = sum(d.penalty_minor + d.interest_minor + d.principal_minor for d in owed)
    assert result.applied_minor == min(amount, total_owed)
    by_number = {d.number: d for d in owed}
    numbers = [a.number for a in result.applied]
    assert numbers == sorted(numbers)
    # Each component is paid in full before the next one gets anything, installment by
    # installment: once one falls short, everything after it receives nothing.
    short = False
    for due in sorted(owed, key=lambda d: d.number):
        paid = next((a for a in result.applied if a.number == due.number),
                    Applied(due.number, 0, 0, 0))
        for got, owed_part in ((paid.penalty_minor, due.penalty_minor),
                               (paid.interest_minor, due.interest_minor),
                               (paid.principal_minor, due.principal_minor)):
            assert 0 <= got <= owed_part
            if short:
                assert got == 0
            short = short or got < owed_part
        assert paid.number in by_number
    assert short == (amount < total_owed)
    if result.remainder_minor:
        assert not short


def test_split_known() -> None:
    assert split_receipt(100, [1, 1, 1]) == [34, 33, 33]  # the tie goes to the first investor
    assert split_receipt(530_727, [600_000, 400_000]) == [318_436, 212_291]
    assert split_receipt(0, [5, 7]) == [0, 0]


@given(amount=st.integers(min_value=0, max_value=10**12),
       shares=st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=200)
       .filter(lambda s: sum(s) > 0))
def test_split_sums_to_the_whole_and_is_never_negative(amount: int, shares: list[int]) -> None:
    parts = split_receipt(amount, shares)
    assert sum(parts) == amount
    assert all(part >= 0 for part in parts)
    total = sum(shares)
    for part, share in zip(parts, shares, strict=True):
        assert abs(part * total - amount * share) < total  # within a fen of the exact share
        if share == 0:
            assert part == 0
