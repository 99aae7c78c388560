"""What a payment on a loan pays, and to whom: the servicing rules, no database.

- **Waterfall** (``waterfall``): installments oldest first; within one its penalty, then its
  interest, then its principal (``allocation.apply_repayment``), then the platform's
  per-installment fee: the investors are paid before the platform takes its fee.
- **Split** (``split_to_claims``): what the claim holders receive of a receipt (penalty,
  interest and principal, each on its own) is shared pro rata to the claims' principal, to the
  fen, by largest remainder over the claims in id order (``allocation.split_receipt``); the fee
  goes to fee revenue. Each part adds up exactly, so a claim's received figures add up to the
  receipt's.
- **State** (``status_after``): an installment is ``paid`` when nothing is owed on it;
  ``compensated`` or ``written_off`` stay so until then; otherwise ``scheduled`` before its due
  date, ``overdue`` past its grace days, ``partial`` when something was paid, else ``due``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from finplat.lending.allocation import Due, apply_repayment, split_receipt
from finplat.lending.models import (
    BUCKET_CURRENT,
    BUCKET_M1,
    BUCKET_M2,
    BUCKET_M3_PLUS,
    INSTALLMENT_COMPENSATED,
    INSTALLMENT_DUE,
    INSTALLMENT_OVERDUE,
    INSTALLMENT_PAID,
    INSTALLMENT_PARTIAL,
    INSTALLMENT_SCHEDULED,
    INSTALLMENT_WRITTEN_OFF,
)

# Installments on which something may still be owed.
OPEN_STATES = (INSTALLMENT_SCHEDULED, INSTALLMENT_DUE, INSTALLMENT_PARTIAL, INSTALLMENT_OVERDUE,
               INSTALLMENT_COMPENSATED, INSTALLMENT_WRITTEN_OFF)


@dataclass(frozen=True, slots=True)
class Owed:
    penalty_minor: int
    interest_minor: int
    principal_minor: int
    fee_minor: int

    @property
    def total_minor(self) -> int:
        return self.penalty_minor + self.interest_minor + self.principal_minor + self.fee_minor


def owed(installment: Any) -> Owed:
    """What ``installment`` (a row) still owes, part by part."""
    return Owed(
        penalty_minor=installment.penalty_minor - installment.paid_penalty_minor,
        interest_minor=installment.interest_minor - installment.paid_interest_minor,
        principal_minor=installment.principal_minor - installment.paid_principal_minor,
        fee_minor=installment.fee_minor - installment.paid_fee_minor,
    )


@dataclass(frozen=True, slots=True)
class Part:
    """What one payment pays on one installment."""

    installment_id: int
    number: int
    penalty_minor: int
    interest_minor: int
    principal_minor: int
    fee_minor: int

    @property
    def total_minor(self) -> int:
        return self.penalty_minor + self.interest_minor + self.principal_minor + self.fee_minor

    def as_json(self) -> dict[str, int]:
        return {"installment_id": self.installment_id, "number": self.number,
                "penalty_minor": self.penalty_minor, "interest_minor": self.interest_minor,
                "principal_minor": self.principal_minor, "fee_minor": self.fee_minor}


def waterfall(amount_minor: int, installments: Sequence[Any]) -> tuple[list[Part], int]:
    """``amount_minor`` over ``installments`` (rows), oldest first, penalty → interest →
    principal → fee within each; returns the parts paid and what is left over."""
    left = amount_minor
    parts: list[Part] = []
    for row in sorted(installments, key=lambda r: r.number):
        if left == 0:
            break
        due = owed(row)
        applied = apply_repayment(left, [Due(row.number, due.penalty_minor, due.interest_minor,
                                             due.principal_minor)])
        left = applied.remainder_minor
        fee = min(left, due.fee_minor)
        left -= fee
        paid = applied.applied[0] if applied.applied else None
        if paid is not None or fee:
            parts.append(Part(row.id, row.number, paid.penalty_minor if paid else 0,
                              paid.interest_minor if paid else 0,
                              paid.principal_minor if paid else 0, fee))
    return parts, left


@dataclass(frozen=True, slots=True)
class Totals:
    penalty_minor: int
    interest_minor: int
    principal_minor: int
    fee_minor: int

    @property
    def to_holders_minor(self) -> int:
        return self.penalty_minor + self.interest_minor + self.principal_minor

    @property
    def total_minor(self) -> int:
        return self.to_holders_minor + self.fee_minor


def totals(parts: Sequence[Part]) -> Totals:
    return Totals(sum(p.penalty_minor for p in parts), sum(p.interest_minor for p in parts),
                  sum(p.principal_minor for p in parts), sum(p.fee_minor for p in parts))


@dataclass(frozen=True, slots=True)
class ClaimShare:
    claim_id: int
    penalty_minor: int
    interest_minor: int
    principal_minor: int

    @property
    def total_minor(self) -> int:
        return self.penalty_minor + self.interest_minor + self.principal_minor


def split_to_claims(amounts: Totals, claims: Sequence[Any]) -> list[ClaimShare]:
    """The holders' part of a receipt shared among ``claims`` (rows with ``id`` and
    ``principal_minor``, the active claims of the loan) pro rata, in claim id order."""
    ordered = sorted(claims, key=lambda c: c.id)
    if not ordered:
        raise ValueError("a disbursed loan has at least one active claim")
    shares = [c.principal_minor for c in ordered]
    penalty = split_receipt(amounts.penalty_minor, shares)
    interest = split_receipt(amounts.interest_minor, shares)
    principal = split_receipt(amounts.principal_minor, shares)
    return [ClaimShare(c.id, penalty[n], interest[n], principal[n])
            for n, c in enumerate(ordered)]


def status_after(installment: Any, paid: Part | None, *, business_date: date,
                 grace_days: int) -> str:
    """The state of ``installment`` once ``paid`` (may be None) is applied to it."""
    remaining = owed(installment).total_minor - (paid.total_minor if paid else 0)
    if remaining == 0:
        return INSTALLMENT_PAID
    if installment.status in (INSTALLMENT_COMPENSATED, INSTALLMENT_WRITTEN_OFF):
        return str(installment.status)
    if installment.due_date > business_date:
        return INSTALLMENT_SCHEDULED
    if (business_date - installment.due_date).days > grace_days:
        return INSTALLMENT_OVERDUE
    anything_paid = (installment.paid_principal_minor + installment.paid_interest_minor
                     + installment.paid_fee_minor + installment.paid_penalty_minor
                     + (paid.total_minor if paid else 0))
    return INSTALLMENT_PARTIAL if anything_paid else INSTALLMENT_DUE


def bucket_of(days_past_due: int) -> str:
    """M1 1–30 days past due, M2 31–60, M3+ beyond; ``current`` otherwise."""
    if days_past_due <= 0:
        return BUCKET_CURRENT
    if days_past_due <= 30:
        return BUCKET_M1
    if days_past_due <= 60:
        return BUCKET_M2
    return BUCKET_M3_PLUS
