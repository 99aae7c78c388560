"""The all-in APR of a loan with its fees (an IRR), the 4 × LPR cap and the dated one-year LPR.

Definition (docs/LENDING.md): the borrower's cash flows are the net disbursement (principal −
upfront fee) at month 0 and, at each installment's month, its total plus the per-installment
service fee. The monthly IRR ``m`` solves Σ flow_t / (1 + m)^t = net. The all-in APR is the
nominal ``m × 12`` — the annual rate as loan contracts state it, and the figure the SPC's
4 × one-year LPR cap on private lending is commonly checked against; the effective annual rate
``(1 + m)^12 − 1`` is given too.

Solved by bisection in Decimal arithmetic: the bracket [0, Σ flows / net − 1] always holds the
root (every flow is non-negative and comes at month 1 or later), each step halves it, and the
search stops when it is narrower than ``MONTHLY_TOLERANCE`` (10⁻¹² a month, about 1.2 × 10⁻¹¹ a
year) or after ``MAX_ITERATIONS`` steps, which is more than the widest bracket needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from finplat.core.errors import Conflict, field_error
from finplat.lending.schedule import MAX_PRINCIPAL_MINOR, Schedule

MONTHLY_TOLERANCE = Decimal("1e-12")
MAX_ITERATIONS = 200
DECIMAL_PRECISION = 40
RESULT_PLACES = Decimal("1e-10")  # well inside the tolerance; what callers see and store
# The cap is compared at the precision rates are configured with (6 places, 0.0001 of a
# percentage point), so that a loan priced exactly at the cap is not refused for the fraction of
# a fen that half-up rounding of its interest adds.
CAP_PLACES = Decimal("1e-6")
MAX_FEE_MINOR = MAX_PRINCIPAL_MINOR

# One-year Loan Prime Rate (贷款市场报价利率) as published by the National Interbank Funding
# Center, effective from each date until the next. Defaults for the dated configuration: a
# deployment passes its own table to ``lpr_on`` when a new rate is published. Values from
# 2021-12-20 on checked against a public history table of the published rates; the 2020-04-20
# value (3.85%) is from memory of the announcement and unverified. The SPC cap of 4 × LPR applies
# to contracts from 2020-08-20, so no earlier value is needed.
LPR_ONE_YEAR: tuple[tuple[date, Decimal], ...] = (
    (date(2020, 4, 20), Decimal("0.0385")),
    (date(2021, 12, 20), Decimal("0.0380")),
    (date(2022, 1, 20), Decimal("0.0370")),
    (date(2022, 8, 22), Decimal("0.0365")),
    (date(2023, 6, 20), Decimal("0.0355")),
    (date(2023, 8, 21), Decimal("0.0345")),
    (date(2024, 7, 22), Decimal("0.0335")),
    (date(2024, 10, 21), Decimal("0.0310")),
    (date(2025, 5, 20), Decimal("0.0300")),
)
DEFAULT_CAP_MULTIPLE = 4


@dataclass(frozen=True, slots=True)
class Apr:
    monthly_rate: Decimal
    nominal_annual_rate: Decimal  # monthly × 12: the all-in APR checked against the cap
    effective_annual_rate: Decimal  # (1 + monthly)^12 − 1


def cash_flows(
    schedule: Schedule, *, upfront_fee_minor: int = 0, installment_fee_minor: int = 0
) -> list[tuple[int, int]]:
    """The borrower's flows as (month, fen): −net at month 0, then each installment plus its fee.

    Raises ``InvalidInput`` ``lending.invalid_fee`` when a fee is negative, too large, or the
    upfront fee leaves nothing to disburse.
    """
    if not _is_int(upfront_fee_minor) or not 0 <= upfront_fee_minor < schedule.principal_minor:
        raise field_error(
            "upfront_fee_minor",
            "must be a whole number of fen from 0 to less than the principal",
            code="lending.invalid_fee",
        )
    if not _is_int(installment_fee_minor) or not 0 <= installment_fee_minor <= MAX_FEE_MINOR:
        raise field_error(
            "installment_fee_minor",
            f"must be a whole number of fen from 0 to {MAX_FEE_MINOR}",
            code="lending.invalid_fee",
        )
    flows = [(0, -(schedule.principal_minor - upfront_fee_minor))]
    flows += [
        (i.months_from_start, i.total_minor + installment_fee_minor) for i in schedule.installments
    ]
    return flows


def all_in_apr(
    schedule: Schedule, *, upfront_fee_minor: int = 0, installment_fee_minor: int = 0
) -> Apr:
    """The all-in APR of ``schedule`` with its fees (see the module docstring)."""
    flows = cash_flows(
        schedule, upfront_fee_minor=upfront_fee_minor, installment_fee_minor=installment_fee_minor
    )
    monthly = monthly_irr(flows)
    with localcontext() as context:
        context.prec = DECIMAL_PRECISION
        effective = (1 + monthly) ** 12 - 1
        return Apr(
            monthly_rate=_rounded(monthly),
            nominal_annual_rate=_rounded(monthly * 12),
            effective_annual_rate=_rounded(effective),
        )


def _rounded(rate: Decimal) -> Decimal:
    # Fees can make the rate of a tiny net disbursement astronomical; give the context room for
    # its integer digits so that quantizing never overflows the precision.
    with localcontext() as context:
        context.prec = max(DECIMAL_PRECISION, rate.adjusted() + 12)
        return rate.quantize(RESULT_PLACES, rounding=ROUND_HALF_UP)


def monthly_irr(flows: Sequence[tuple[int, int]]) -> Decimal:
    """The monthly rate at which the flows' present value is zero.

    ``flows`` is one negative flow at month 0 (the net disbursement) and non-negative flows at
    months ≥ 1 whose sum is at least the disbursement (a loan never repays less than it lent).
    """
    net = -sum(amount for month, amount in flows if month == 0)
    later = sorted((month, amount) for month, amount in flows if month != 0)
    repaid = sum(amount for _month, amount in later)
    if net <= 0 or not later or later[0][0] < 1 or any(amount < 0 for _m, amount in later):
        raise ValueError("expected a disbursement at month 0 and repayments after it")
    if repaid < net:
        raise ValueError("the repayments are less than the disbursement")
    with localcontext() as context:
        context.prec = DECIMAL_PRECISION
        low, high = Decimal(0), Decimal(repaid) / Decimal(net) - 1
        for _ in range(MAX_ITERATIONS):
            if high - low <= MONTHLY_TOLERANCE:
                break
            middle = (low + high) / 2
            if _present_value(later, middle) > net:
                low = middle  # still worth more than was lent: the rate is higher
            else:
                high = middle
        return (low + high) / 2


def _present_value(flows: Sequence[tuple[int, int]], monthly: Decimal) -> Decimal:
    # One multiplication per month between flows instead of a power per flow: a schedule's
    # months are consecutive, so this is a single pass.
    discount = 1 / (1 + monthly)
    factor = Decimal(1)
    month_at = 0
    total = Decimal(0)
    for month, amount in flows:
        factor *= discount ** (month - month_at) if month - month_at != 1 else discount
        month_at = month
        total += amount * factor
    return total


def lpr_on(day: date, table: Sequence[tuple[date, Decimal]] = LPR_ONE_YEAR) -> Decimal:
    """The one-year LPR in force on ``day``: the latest entry effective on or before it.

    Raises ``InvalidInput`` ``lending.lpr_unknown`` for a day before the table's first entry.
    """
    in_force = [rate for effective, rate in sorted(table) if effective <= day]
    if not in_force:
        raise field_error(
            "contract_date",
            f"no one-year LPR is configured on or before {day.isoformat()}",
            code="lending.lpr_unknown",
        )
    return in_force[-1]


def check_apr_cap(
    apr: Decimal, lpr_one_year: Decimal, multiple: int = DEFAULT_CAP_MULTIPLE
) -> None:
    """Refuse an all-in APR above ``multiple`` × the one-year LPR (409 ``lending.apr_cap``)."""
    cap = lpr_one_year * multiple
    compared = apr.quantize(CAP_PLACES, rounding=ROUND_HALF_UP)
    if compared > cap:
        raise Conflict(
            "lending.apr_cap",
            f"the all-in APR {compared:.6f} is above {multiple} × the one-year LPR "
            f"{lpr_one_year} = {cap:.6f}",
            extra={
                "apr": f"{compared:.6f}",
                "cap": f"{cap:.6f}",
                "lpr_one_year": str(lpr_one_year),
                "multiple": multiple,
            },
        )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
