"""Pure product rules: the life-cycle state machine, definition checks and key dates.

Nothing here touches the database or the clock; the service passes ``now`` in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from finplat.core.clock import business_date
from finplat.core.errors import Conflict, Forbidden, InvalidInput

PRODUCT_TYPES = ("fixed_income", "mixed", "equity", "derivative")
RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")
YIELD_START_RULES = ("day_after_raise_end", "raise_end_day")

RATE_PLACES = 6
MAX_ANNUAL_RATE = Decimal("1")
MAX_TERM_DAYS = 3650

DRAFT = "draft"
SUBMITTED = "submitted"
APPROVED = "approved"
REJECTED = "rejected"
RAISING = "raising"
RAISED = "raised"
FAILED = "failed"
RUNNING = "running"
PAYOUT_PENDING = "payout_pending"
MATURED = "matured"
DELISTED = "delisted"

# action -> (states it may start from, state it leads to). ``close_raise`` leads to RAISED or
# FAILED depending on what was sold, so its target is decided by ``raise_outcome``.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "submit": (frozenset({DRAFT, REJECTED}), SUBMITTED),
    "approve": (frozenset({SUBMITTED}), APPROVED),
    "reject": (frozenset({SUBMITTED}), REJECTED),
    "publish": (frozenset({APPROVED}), RAISING),
    "delist": (frozenset({APPROVED, RAISING}), DELISTED),
    "close_raise": (frozenset({RAISING}), None),
    "start": (frozenset({RAISED}), RUNNING),
    "await_payout": (frozenset({RUNNING}), PAYOUT_PENDING),
    "mature": (frozenset({RUNNING, PAYOUT_PENDING}), MATURED),
}
EDITABLE_STATES = frozenset({DRAFT, REJECTED})
PUBLIC_STATES = frozenset({RAISING, RAISED, RUNNING, PAYOUT_PENDING, MATURED})
# A raise that succeeded and whose maturity payout is still to be made.
OWING_STATES = frozenset({RAISED, RUNNING, PAYOUT_PENDING})


def next_state(action: str, current: str) -> str | None:
    """The state ``action`` leads to from ``current``; 409 ``product.invalid_state`` otherwise."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise Conflict(
            "product.invalid_state",
            f"cannot {action.replace('_', ' ')} a product that is {current}",
            extra={"status_now": current, "action": action},
        )
    return target


def require_different_reviewer(*, author_id: int, reviewer_id: int) -> None:
    """Maker-checker: whoever wrote a product never approves or rejects it."""
    if author_id == reviewer_id:
        raise Forbidden(
            "product.self_review", "a product is reviewed by someone other than its author"
        )


def parse_rate(text: str, *, field: str = "annual_rate") -> Decimal:
    """An annual rate as a Decimal fraction (``"0.0490"`` is 4.90%), at most 6 places."""
    try:
        rate = Decimal(text)
    except (InvalidOperation, TypeError):
        raise _invalid(field, 'must be a decimal string such as "0.0490"') from None
    if not rate.is_finite() or rate <= 0 or rate >= MAX_ANNUAL_RATE:
        raise _invalid(field, "must be greater than 0 and less than 1 (a fraction, not percent)")
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RATE_PLACES:
        raise _invalid(field, f"has more than {RATE_PLACES} decimal places")
    return rate


def format_rate(rate: Decimal) -> str:
    """The canonical stored form: fixed 6 places so that text order is numeric order."""
    return f"{rate:.{RATE_PLACES}f}"


def display_rate(stored: str) -> str:
    """At least 4 places for display (``"0.049000"`` -> ``"0.0490"``)."""
    text = stored.rstrip("0")
    whole, _, places = text.partition(".")
    return f"{whole}.{places.ljust(4, '0')}"


@dataclass(frozen=True, slots=True)
class Terms:
    product_type: str
    risk_level: str
    annual_rate: Decimal
    term_days: int
    min_amount_minor: int
    step_amount_minor: int
    max_per_investor_minor: int
    raise_target_minor: int
    raise_cap_minor: int
    raise_start_at: datetime
    raise_end_at: datetime
    yield_start_rule: str
    qualified_only: bool


def check_terms(terms: Terms, *, now: datetime, qualified_minimum_minor: int) -> None:
    """Every rule a product definition must satisfy; 422 naming the first field that fails."""
    if terms.product_type not in PRODUCT_TYPES:
        raise _invalid("type", f"must be one of {', '.join(PRODUCT_TYPES)}")
    if terms.risk_level not in RISK_LEVELS:
        raise _invalid("risk_level", "must be R1 to R5")
    if terms.yield_start_rule not in YIELD_START_RULES:
        raise _invalid("yield_start_rule", f"must be one of {', '.join(YIELD_START_RULES)}")
    if not 1 <= terms.term_days <= MAX_TERM_DAYS:
        raise _invalid("term_days", f"must be 1 to {MAX_TERM_DAYS}")
    if terms.step_amount_minor <= 0 or terms.min_amount_minor <= 0:
        raise _invalid("min_amount_minor", "minimum and step must be positive")
    if terms.max_per_investor_minor < terms.min_amount_minor:
        raise _invalid("max_per_investor_minor", "must be at least the minimum amount")
    if terms.raise_cap_minor < terms.raise_target_minor:
        raise _invalid("raise_cap_minor", "must be at least the raise target")
    if terms.raise_cap_minor < terms.min_amount_minor:
        raise _invalid("raise_cap_minor", "must be at least the minimum amount")
    if terms.raise_end_at <= terms.raise_start_at:
        raise _invalid("raise_end_at", "must be after raise_start_at")
    if terms.raise_end_at <= now:
        raise _invalid("raise_end_at", "must be in the future")
    if terms.qualified_only and terms.min_amount_minor < qualified_minimum_minor:
        raise _invalid(
            "min_amount_minor",
            f"a qualified-investors-only {terms.product_type} product needs a minimum "
            f"of at least {qualified_minimum_minor} fen",
        )


def raise_outcome(*, sold_minor: int, raise_target_minor: int) -> str:
    """RAISED when the target was reached, FAILED (everything refunded) otherwise."""
    return RAISED if sold_minor >= raise_target_minor else FAILED


def raise_has_ended(
    *, now: datetime, raise_end_at: datetime, sold_minor: int, raise_cap_minor: int
) -> bool:
    return now >= raise_end_at or sold_minor >= raise_cap_minor


def value_date(*, raise_closed_at: datetime, rule: str) -> date:
    """The first business date that earns yield, from the moment the raise closed."""
    closing_day = business_date(raise_closed_at)
    if rule == "raise_end_day":
        return closing_day
    return closing_day + timedelta(days=1)


def maturity_date(*, value_date: date, term_days: int) -> date:
    """Yield accrues on the ``term_days`` days of [value_date, maturity_date)."""
    return value_date + timedelta(days=term_days)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        "product.invalid_terms",
        f"{field}: {message}",
        errors=[{"field": field, "message": message}],
    )
