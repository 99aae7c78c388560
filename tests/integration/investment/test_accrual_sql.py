"""The yield computed in the database (``domain.accrued_minor_scaled`` with
``core.statements.int_div``) is the Python figure on every backend, up to the largest principal,
rate and term allowed: no intermediate overflows and the division rounds down exactly (MariaDB's
``/`` would not)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, Integer, literal, select

from finplat.core.statements import int_div
from finplat.investment import domain

CASES = [
    (1, 1, 1),
    (100_000, 36_500, 30),
    (999_999, 999_999, 3650),
    (10**15, 999_999, 3650),
    (10**15 - 1, 123_457, 3649),
    (123_456_789_012, 49_000, 365),
    (7, 1, 0),
]


@pytest.mark.parametrize(("principal", "millionths", "days"), CASES)
async def test_the_database_computes_the_python_yield(db, principal, millionths, days) -> None:
    expression = domain.accrued_minor_scaled(
        literal(principal, BigInteger), literal(millionths, BigInteger),
        literal(days, Integer), int_div)
    async with db.transaction(readonly=True) as session:
        computed = await session.scalar(select(expression))
    assert int(computed) == domain.accrued_minor(
        principal_minor=principal, annual_rate=Decimal(millionths) / 10**6, days=days)
