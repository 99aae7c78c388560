"""The split of a receipt to the claims computed in the database (``pro_rata.split``) is
``core.money.allocate`` (largest remainder, ties to the lower claim id) to the fen, on every
backend."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, literal, select, union_all

from finplat.core.db import Database
from finplat.core.money import allocate
from finplat.lending.pro_rata import split

PARTS = ("penalty", "interest", "principal")
# (receipt's penalty, interest, principal; the claims' principal in claim id order)
Case = tuple[tuple[int, int, int], list[int]]


async def _split_in_sql(db: Database, cases: list[Case]) -> dict[tuple[int, int], tuple[int, ...]]:
    rows = []
    for receipt, (amounts, weights) in enumerate(cases, start=1):
        for n, weight in enumerate(weights):
            # Claim ids not in the order of the rows: the ranking must order them itself.
            rows.append(select(*(literal(v, BigInteger).label(name) for name, v in (
                ("receipt_id", receipt), ("claim_id", 1000 * receipt + 7 * n + 3),
                ("weight", weight), *zip((f"a_{p}" for p in PARTS), amounts, strict=True)))))
    base = union_all(*rows).subquery("base") if len(rows) > 1 else rows[0].subquery("base")
    shares = split(base)
    found = await db.fetch_all(select(shares))
    return {(int(r.receipt_id), int(r.claim_id)):
            tuple(int(r._mapping[f"{p}_minor"]) for p in PARTS) for r in found}


def _expected(cases: list[Case]) -> dict[tuple[int, int], tuple[int, ...]]:
    expected: dict[tuple[int, int], Any] = {}
    for receipt, (amounts, weights) in enumerate(cases, start=1):
        per_part = [allocate(amount, weights) for amount in amounts]
        for n in range(len(weights)):
            expected[(receipt, 1000 * receipt + 7 * n + 3)] = tuple(p[n] for p in per_part)
    return expected


AWKWARD: list[Case] = [
    ((1, 1, 1), [1, 1, 1]),  # one fen among three equals: the first claim
    ((2, 0, 5), [3, 3, 3]),  # ties in the remainder go to the lower claim id
    ((0, 0, 0), [5, 7]),
    ((99_999, 12_345, 7), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]),
    ((10, 10, 10), [0, 1, 0, 2]),  # a claim of nothing receives nothing
    ((1_000_000_007, 999_999_937, 3), [333_333, 333_333, 333_334]),
    ((7, 8, 9), [1]),
    ((50_000_000, 1, 2), [10**9, 1, 10**9 - 1]),  # amount × weight near 5 × 10¹⁶
]


async def test_awkward_numbers_are_split_as_allocate_splits_them(db: Database) -> None:
    assert await _split_in_sql(db, AWKWARD) == _expected(AWKWARD)


amounts = st.integers(min_value=0, max_value=10**9)
weights = st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=25).filter(
    lambda w: sum(w) > 0)
cases = st.lists(st.tuples(st.tuples(amounts, amounts, amounts), weights), min_size=1,
                 max_size=6)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=cases)
async def test_the_split_in_sql_is_allocate(db: Database, cases: list[Case]) -> None:
    assert await _split_in_sql(db, cases) == _expected(cases)
