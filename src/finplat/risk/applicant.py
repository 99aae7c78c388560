"""An application's inputs to the scorecard: income, dependants and debts from the application,
the age from the ID number's birth date, the rest from the credit bureau.

Units: the model was trained on monthly incomes and debt payments in the training data's money;
an applicant's fen become yuan and are multiplied by ``INCOME_UNITS_PER_YUAN`` (1.0: by rank the
two income distributions are close; a lender recalibrates it with the model, docs/RISK_MODEL.md).
"""

from __future__ import annotations

from datetime import date

from finplat.identity import identifiers
from finplat.risk.bureau import BureauReport

INCOME_UNITS_PER_YUAN = 1.0
FEN_PER_YUAN = 100


def applicant_inputs(
    *,
    id_number: str,
    today: date,
    monthly_income_minor: int | None,
    dependents: int | None,
    monthly_debt_payments_minor: int,
    bureau: BureauReport,
) -> dict[str, float | None]:
    """The scorecard's raw inputs (``features.RAW_INPUTS``) for one application.

    ``monthly_income_minor`` None means not declared (its own "missing" bin). The debt ratio is
    payments over income; without an income it is the payments themselves, as the training data
    records it. Raises ``identifiers.IdentifierError`` for an invalid ID number.
    """
    if monthly_debt_payments_minor < 0:
        raise ValueError("monthly debt payments cannot be negative")
    if monthly_income_minor is not None and monthly_income_minor < 0:
        raise ValueError("monthly income cannot be negative")
    if dependents is not None and dependents < 0:
        raise ValueError("dependants cannot be negative")
    resident = identifiers.parse_resident_id(id_number, today=today)
    debt = monthly_debt_payments_minor / FEN_PER_YUAN * INCOME_UNITS_PER_YUAN
    if monthly_income_minor is None:
        income: float | None = None
        debt_ratio = debt
    else:
        income = monthly_income_minor / FEN_PER_YUAN * INCOME_UNITS_PER_YUAN
        debt_ratio = debt / max(income, 1.0)  # the data divides by 1 when the income is 0
    return {
        "revolving_utilization": bureau.revolving_utilization,
        "age": float(identifiers.age_on(resident.birth_date, today)),
        "past_due_30_59": float(bureau.past_due_30_59),
        "debt_ratio": round(debt_ratio, 6),
        "monthly_income": income,
        "open_credit_lines": float(bureau.open_credit_lines),
        "past_due_90": float(bureau.past_due_90),
        "real_estate_loans": float(bureau.real_estate_loans),
        "past_due_60_89": float(bureau.past_due_60_89),
        "dependents": None if dependents is None else float(dependents),
    }
