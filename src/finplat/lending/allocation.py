"""Where a borrower's money goes: the repayment waterfall and the split across investors.

- Waterfall: an amount is applied to the due installments oldest first; within an installment
  to its penalty, then its interest, then its principal; what is left is returned as the
  remainder (the caller decides whether it is a prepayment or goes back to the wallet).
- Split: a receipt is shared among the loan's investors pro rata to their claims, to the fen, by
  largest remainder (``core.money.allocate``): the parts always add up to the receipt, and a tie
  in the remainder goes to the investor who comes first in the given order (callers pass the
  claims in a stable order, such as by claim id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from finplat.core.errors import field_error
from finplat.core.money import allocate


@dataclass(frozen=True, slots=True)
class Due:
    """What one installment still owes."""

    number: int
    penalty_minor: int
    interest_minor: int
    principal_minor: int

    def __post_init__(self) -> None:
        parts = (self.penalty_minor, self.interest_minor, self.principal_minor)
        if any(isinstance(p, bool) or not isinstance(p, int) or p < 0 for p in parts):
            raise ValueError("amounts due must be non-negative whole fen")


@dataclass(frozen=True, slots=True)
class Applied:
    """What a repayment paid on one installment."""

    number: int
    penalty_minor: int
    interest_minor: int
    principal_minor: int

    @property
    def total_minor(self) -> int:
        return self.penalty_minor + self.interest_minor + self.principal_minor


@dataclass(frozen=True, slots=True)
class Waterfall:
    applied: tuple[Applied, ...]  # only installments that received something, oldest first
    remainder_minor: int

    @property
    def applied_minor(self) -> int:
        return sum(a.total_minor for a in self.applied)


def apply_repayment(amount_minor: int, dues: Sequence[Due]) -> Waterfall:
    """Apply ``amount_minor`` over ``dues``: oldest installment first, penalty → interest →
    principal within each.

    Raises ``InvalidInput`` ``lending.invalid_amount`` for a negative or non-integer amount and
    ``ValueError`` when two dues share an installment number (a caller's bug).
    """
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor < 0:
        raise field_error(
            "amount_minor", "must be a non-negative whole number of fen",
            code="lending.invalid_amount",
        )
    ordered = sorted(dues, key=lambda due: due.number)
    if len({due.number for due in ordered}) != len(ordered):
        raise ValueError("each installment may appear once")
    left = amount_minor
    applied: list[Applied] = []
    for due in ordered:
        if left == 0:
            break
        penalty = min(left, due.penalty_minor)
        left -= penalty
        interest = min(left, due.interest_minor)
        left -= interest
        principal = min(left, due.principal_minor)
        left -= principal
        if penalty or interest or principal:
            applied.append(Applied(due.number, penalty, interest, principal))
    return Waterfall(applied=tuple(applied), remainder_minor=left)


def split_receipt(amount_minor: int, shares_minor: Sequence[int]) -> list[int]:
    """``amount_minor`` split pro rata to ``shares_minor`` (each investor's claim), to the fen.

    Parts are in the order of ``shares_minor``, never negative, and add up to ``amount_minor``.
    Raises ``InvalidInput`` ``lending.invalid_amount`` for a negative amount and ``ValueError``
    for an empty list, a negative share or shares that are all zero (a caller's bug).
    """
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor < 0:
        raise field_error(
            "amount_minor", "must be a non-negative whole number of fen",
            code="lending.invalid_amount",
        )
    return allocate(amount_minor, shares_minor)
