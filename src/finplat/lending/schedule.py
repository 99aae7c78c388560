"""Repayment schedules: 等额本息, 等额本金, 先息后本 and bullet, in integer fen (docs/LENDING.md).

Pure functions: no database, no clock. The same code serves the loan service and the
``finplat loan schedule`` calculator.

Rules shared by every method:
- monthly rate = annual rate / 12; a period's interest = outstanding principal × annual rate / 12,
  rounded half-up to the fen (the division comes last so that an exact half fen is seen as one);
- due dates: installment k falls due k months after the start date, on the start date's day of
  month, or on the month's last day when the month is shorter (Jan 31 → Feb 28/29, Mar 31,
  Apr 30): each date is computed from the start date, never from the previous due date, so a
  short month does not make later dates drift;
- the principal parts add up to the principal exactly, the last installment taking what
  rounding left over.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any, Literal

from finplat.core.errors import InvalidInput, field_error
from finplat.core.money import to_minor

Method = Literal["equal_installment", "equal_principal", "interest_first", "bullet"]
METHODS: tuple[Method, ...] = ("equal_installment", "equal_principal", "interest_first", "bullet")

MIN_PRINCIPAL_MINOR = 1
MAX_PRINCIPAL_MINOR = 10**12
MAX_TERM_MONTHS = 360
MAX_ANNUAL_RATE = Decimal(1)
RATE_PLACES = 6  # as product rates: "0.049000"
RATE_QUANTUM = Decimal(1).scaleb(-RATE_PLACES)
MONTHS_PER_YEAR = 12
# Enough digits that (1 + r)^360 and the annuity factor lose nothing at the fen.
DECIMAL_PRECISION = 50


@dataclass(frozen=True, slots=True)
class Installment:
    number: int
    due_date: date
    principal_minor: int
    interest_minor: int
    total_minor: int
    principal_remaining_minor: int
    # Months from the start date to the due date (the time of this cash flow for the APR).
    months_from_start: int

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "due_date": self.due_date.isoformat(),
            "principal_minor": self.principal_minor,
            "interest_minor": self.interest_minor,
            "total_minor": self.total_minor,
            "principal_remaining_minor": self.principal_remaining_minor,
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    method: Method
    principal_minor: int
    annual_rate: Decimal
    term_months: int
    start_date: date
    installments: tuple[Installment, ...]
    total_interest_minor: int
    total_minor: int


def due_date(start_date: date, months: int) -> date:
    """``months`` months after ``start_date``: same day of month, or the month's last day."""
    if months < 0:
        raise ValueError("months must not be negative")
    index = start_date.month - 1 + months
    year, month = start_date.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(start_date.day, last_day))


def parse_annual_rate(text: str, *, field: str = "annual_rate") -> Decimal:
    """An annual rate given as a decimal fraction (``"0.049"`` is 4.9%)."""
    try:
        rate = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise _rate_error(field) from None
    return check_annual_rate(rate, field=field)


def check_annual_rate(rate: Decimal, *, field: str = "annual_rate") -> Decimal:
    if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= MAX_ANNUAL_RATE:
        raise _rate_error(field)
    if rate != rate.quantize(RATE_QUANTUM):  # trailing zeros are fine: "0.0490000"
        raise field_error(
            field, f"has more than {RATE_PLACES} decimal places", code="lending.invalid_rate"
        )
    return rate


def _rate_error(field: str) -> InvalidInput:
    return field_error(
        field,
        'must be a decimal fraction from 0 to 1 such as "0.049" (4.9%), not a percent',
        code="lending.invalid_rate",
    )


def check_terms(
    *, principal_minor: int, annual_rate: Decimal, term_months: int, method: str
) -> None:
    """Refuse terms outside the calculator's limits (422 with a stable ``lending.*`` code)."""
    if not _is_int(principal_minor) or not (
        MIN_PRINCIPAL_MINOR <= principal_minor <= MAX_PRINCIPAL_MINOR
    ):
        raise field_error(
            "principal_minor",
            f"must be a whole number of fen from {MIN_PRINCIPAL_MINOR} to {MAX_PRINCIPAL_MINOR}",
            code="lending.invalid_principal",
        )
    if not _is_int(term_months) or not 1 <= term_months <= MAX_TERM_MONTHS:
        raise field_error(
            "term_months", f"must be 1 to {MAX_TERM_MONTHS} months", code="lending.invalid_term"
        )
    check_annual_rate(annual_rate)
    if method not in METHODS:
        raise field_error(
            "method", f"must be one of {', '.join(METHODS)}", code="lending.invalid_method"
        )


def build_schedule(
    *,
    principal_minor: int,
    annual_rate: Decimal,
    term_months: int,
    method: str,
    start_date: date,
) -> Schedule:
    """The repayment schedule of a loan disbursed on ``start_date``.

    Raises ``InvalidInput`` (``lending.invalid_principal``, ``lending.invalid_term``,
    ``lending.invalid_rate``, ``lending.invalid_method``) for terms outside the limits.
    """
    check_terms(
        principal_minor=principal_minor,
        annual_rate=annual_rate,
        term_months=term_months,
        method=method,
    )
    rows = list(_ROWS[method](principal_minor, annual_rate, term_months))
    installments = tuple(
        Installment(
            number=number,
            due_date=due_date(start_date, months),
            principal_minor=principal,
            interest_minor=interest,
            total_minor=principal + interest,
            principal_remaining_minor=remaining,
            months_from_start=months,
        )
        for number, (months, principal, interest, remaining) in enumerate(rows, start=1)
    )
    assert sum(i.principal_minor for i in installments) == principal_minor
    assert all(i.principal_minor >= 0 and i.interest_minor >= 0 for i in installments)
    total_interest = sum(i.interest_minor for i in installments)
    return Schedule(
        method=method,  # type: ignore[arg-type]  # checked against METHODS above
        principal_minor=principal_minor,
        annual_rate=annual_rate,
        term_months=term_months,
        start_date=start_date,
        installments=installments,
        total_interest_minor=total_interest,
        total_minor=principal_minor + total_interest,
    )


def interest_minor(outstanding_minor: int, annual_rate: Decimal, *, months: int = 1) -> int:
    """Interest on ``outstanding_minor`` for ``months`` months at annual/12, rounded half-up."""
    with localcontext() as context:
        context.prec = DECIMAL_PRECISION
        exact = Decimal(outstanding_minor) * annual_rate * months / MONTHS_PER_YEAR
        return to_minor(exact, rounding="half_up")


def annuity_payment_minor(principal_minor: int, annual_rate: Decimal, term_months: int) -> int:
    """The 等额本息 monthly payment P·r·(1+r)^n / ((1+r)^n − 1), rounded half-up (P/n at 0%)."""
    with localcontext() as context:
        context.prec = DECIMAL_PRECISION
        if annual_rate == 0:
            return to_minor(Decimal(principal_minor) / term_months, rounding="half_up")
        rate = annual_rate / MONTHS_PER_YEAR
        growth = (1 + rate) ** term_months
        exact = Decimal(principal_minor) * rate * growth / (growth - 1)
        return to_minor(exact, rounding="half_up")


# Each generator yields (months from start, principal, interest, principal remaining after it).
Row = tuple[int, int, int, int]


def _equal_installment(principal: int, annual_rate: Decimal, term: int) -> Iterator[Row]:
    payment = annuity_payment_minor(principal, annual_rate, term)
    outstanding = principal
    for month in range(1, term + 1):
        interest = interest_minor(outstanding, annual_rate)
        # The payment never falls short of the interest (interest on at most P ≤ the payment,
        # both rounded half-up), so the principal part is never negative. Tiny principals over
        # long terms can be repaid before the last month (the payment rounds up to a whole
        # fen): the principal part is capped at what is outstanding and later ones are zero.
        paid = outstanding if month == term else min(payment - interest, outstanding)
        outstanding -= paid
        yield month, paid, interest, outstanding


def _equal_principal(principal: int, annual_rate: Decimal, term: int) -> Iterator[Row]:
    # Installment k repays round(P·k/n) − round(P·(k−1)/n): P/n to within one fen, never
    # negative, summing to P exactly (the last installment takes the rest by construction).
    outstanding = principal
    repaid_before = 0
    for month in range(1, term + 1):
        repaid_through = _half_up_ratio(principal * month, term)
        paid = repaid_through - repaid_before
        interest = interest_minor(outstanding, annual_rate)
        outstanding -= paid
        repaid_before = repaid_through
        yield month, paid, interest, outstanding


def _interest_first(principal: int, annual_rate: Decimal, term: int) -> Iterator[Row]:
    interest = interest_minor(principal, annual_rate)
    for month in range(1, term + 1):
        paid = principal if month == term else 0
        yield month, paid, interest, principal - paid


def _bullet(principal: int, annual_rate: Decimal, term: int) -> Iterator[Row]:
    # One installment at the end of the term. Interest is simple over the whole term (not
    # compounded monthly): P × annual/12 × n, rounded half-up once.
    yield term, principal, interest_minor(principal, annual_rate, months=term), 0


_ROWS = {
    "equal_installment": _equal_installment,
    "equal_principal": _equal_principal,
    "interest_first": _interest_first,
    "bullet": _bullet,
}


def _half_up_ratio(numerator: int, denominator: int) -> int:
    """round(numerator / denominator) half-up, for non-negative integers, exactly."""
    return (2 * numerator + denominator) // (2 * denominator)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
