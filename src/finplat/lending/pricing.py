"""A loan's price from its product: the fees in fen, the schedule and the all-in APR.

Fees (docs/LENDING.md "Fees and the reserve"):
- an **upfront** service fee is ``rate × principal`` (half-up), kept from the disbursement;
- a **per-installment** fee is ``rate × principal`` a month, added to every installment (a
  bullet loan's single installment carries the fee of every month of its term);
- the **reserve contribution** is ``reserve rate × principal``, paid by the borrower out of
  the disbursement into the platform's risk reserve.
Both amounts kept from the disbursement count as upfront fees in the all-in APR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from finplat.core.money import to_minor
from finplat.lending import apr as apr_rules
from finplat.lending import schedule as schedule_rules
from finplat.lending.models import FEE_UPFRONT

RATE_FORMAT = "{:.6f}"


@dataclass(frozen=True)
class Price:
    annual_rate: Decimal
    upfront_fee_minor: int
    installment_fee_minor: int
    reserve_contribution_minor: int
    apr: Decimal
    lpr_one_year: Decimal
    schedule: schedule_rules.Schedule

    @property
    def net_disbursement_minor(self) -> int:
        return self.schedule.principal_minor - self.upfront_fee_minor \
            - self.reserve_contribution_minor


def fees(
    *, principal_minor: int, term_months: int, method: str, fee_kind: str, fee_rate: Decimal,
    reserve_rate: Decimal,
) -> tuple[int, int, int]:
    """(upfront fee, per-installment fee, reserve contribution) in fen."""
    amount = Decimal(principal_minor) * fee_rate
    upfront = to_minor(amount, rounding="half_up") if fee_kind == FEE_UPFRONT else 0
    months = term_months if method == "bullet" else 1
    per_installment = 0 if fee_kind == FEE_UPFRONT else to_minor(amount * months,
                                                                 rounding="half_up")
    reserve = to_minor(Decimal(principal_minor) * reserve_rate, rounding="half_up")
    return upfront, per_installment, reserve


def clamp_rate(rate: Decimal, low: Decimal, high: Decimal) -> Decimal:
    """The scorer's rate for the grade, within the product's range."""
    return min(max(rate, low), high)


def price(
    *, principal_minor: int, term_months: int, method: str, annual_rate: Decimal,
    fee_kind: str, fee_rate: Decimal, reserve_rate: Decimal, contract_date: date,
) -> Price:
    """Fees, schedule (from ``contract_date``) and all-in APR; the LPR in force that day.

    Raises ``InvalidInput`` (``lending.invalid_fee`` when the fees leave nothing to disburse,
    ``lending.lpr_unknown``)."""
    upfront, per_installment, reserve = fees(
        principal_minor=principal_minor, term_months=term_months, method=method,
        fee_kind=fee_kind, fee_rate=fee_rate, reserve_rate=reserve_rate,
    )
    schedule = schedule_rules.build_schedule(
        principal_minor=principal_minor, annual_rate=annual_rate, term_months=term_months,
        method=method, start_date=contract_date,
    )
    found = apr_rules.all_in_apr(
        schedule, upfront_fee_minor=upfront + reserve, installment_fee_minor=per_installment
    )
    return Price(
        annual_rate=annual_rate,
        upfront_fee_minor=upfront,
        installment_fee_minor=per_installment,
        reserve_contribution_minor=reserve,
        apr=found.nominal_annual_rate,
        lpr_one_year=apr_rules.lpr_on(contract_date),
        schedule=schedule,
    )
