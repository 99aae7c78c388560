"""Money as integer fen plus a currency; Decimal only for rates, back to fen by a named rounding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Literal

CNY = "CNY"

Rounding = Literal["half_up", "half_even", "down", "up"]
_ROUNDING = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}


def _require_int(value: object, name: str) -> int:
    # bool is an int subclass; an amount of True fen is always a bug.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int of minor units, got {type(value).__name__}")
    return value


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str = CNY

    def __post_init__(self) -> None:
        _require_int(self.amount_minor, "amount_minor")
        if not (
            isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isupper()
        ):
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount_minor < other.amount_minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount_minor <= other.amount_minor

    @property
    def is_positive(self) -> bool:
        return self.amount_minor > 0

    def __str__(self) -> str:
        sign = "-" if self.amount_minor < 0 else ""
        yuan, fen = divmod(abs(self.amount_minor), 100)
        return f"{sign}{yuan}.{fen:02d} {self.currency}"


def to_minor(value: Decimal, *, rounding: Rounding) -> int:
    """Convert a Decimal amount already expressed in minor units (fen) to an int."""
    if not isinstance(value, Decimal):
        raise TypeError("to_minor takes a Decimal; floats are never money")
    return int(value.quantize(Decimal(1), rounding=_ROUNDING[rounding]))


def allocate(total_minor: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_minor`` pro rata to integer ``weights`` by largest remainder.

    The parts always add up to the whole; ties in the remainder go to the earlier weight, so the
    split is deterministic. Works for negative totals (the split of the absolute value, negated).
    """
    _require_int(total_minor, "total_minor")
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(_require_int(w, "weight") < 0 for w in weights):
        raise ValueError("weights must be non-negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total_minor < 0 else 1
    magnitude = abs(total_minor)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    leftover = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        floors[i] += 1
    return [sign * part for part in floors]
