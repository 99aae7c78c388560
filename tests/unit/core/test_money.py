from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finplat.core.money import Money, allocate, to_minor


def test_money_refuses_floats_and_bools() -> None:
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True)


def test_money_arithmetic_keeps_currency() -> None:
    assert Money(150) + Money(50) == Money(200)
    with pytest.raises(ValueError):
        Money(1, "CNY") + Money(1, "USD")
    assert str(Money(-12345)) == "-123.45 CNY"


def test_to_minor_names_its_rounding() -> None:
    assert to_minor(Decimal("2.5"), rounding="half_even") == 2
    assert to_minor(Decimal("2.5"), rounding="half_up") == 3
    assert to_minor(Decimal("2.9"), rounding="down") == 2
    with pytest.raises(TypeError):
        to_minor(2.5, rounding="half_up")  # type: ignore[arg-type]


def test_allocate_known_split() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(0, [5, 7]) == [0, 0]


@given(total=st.integers(min_value=-10**12, max_value=10**12),
       weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=50)
       .filter(lambda ws: sum(ws) > 0))
def test_allocate_parts_add_up_and_are_fair(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(total) * weight / weight_sum
        assert abs(Decimal(part) - exact) < 1
