"""HTTP shapes of the product API (apart from the ORM models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from finplat.core.fields import AmountMinor, Instant, SingleLine, Text
from finplat.product import domain

MAX_AMOUNT_MINOR = 10**13  # 1000亿: far above any product, low enough to be a typo guard
MAX_TEXT = 20_000

ProductType = Literal["fixed_income", "mixed", "equity", "derivative"]
RiskLevel = Literal["R1", "R2", "R3", "R4", "R5"]
YieldStartRule = Literal["day_after_raise_end", "raise_end_day"]
Amount = Annotated[AmountMinor, Field(le=MAX_AMOUNT_MINOR)]


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SingleLine = Field(min_length=1, max_length=128)
    type: ProductType
    risk_level: RiskLevel
    # ASCII digits only: Decimal() also reads Arabic-Indic or full-width digits.
    annual_rate: str = Field(min_length=1, max_length=16, pattern=r"^[0-9]+(\.[0-9]+)?$",
                             examples=["0.0490"])
    term_days: int = Field(ge=1, le=domain.MAX_TERM_DAYS)
    min_amount_minor: Amount
    step_amount_minor: Amount
    max_per_investor_minor: Amount | None = Field(
        default=None, description="default: the raise cap"
    )
    raise_target_minor: Amount
    raise_cap_minor: Amount | None = Field(default=None, description="default: the raise target")
    raise_start_at: Instant
    raise_end_at: Instant
    yield_start_rule: YieldStartRule = "day_after_raise_end"
    qualified_only: bool = False
    disclosure: Text = Field(min_length=1, max_length=MAX_TEXT)
    risk_disclosure: Text = Field(min_length=1, max_length=MAX_TEXT)
    mismatch_warning: Text | None = Field(default=None, min_length=1, max_length=MAX_TEXT)


class DisclosuresRevise(BaseModel):
    model_config = ConfigDict(extra="forbid")

    disclosure: Text | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    risk_disclosure: Text | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    mismatch_warning: Text | None = Field(default=None, min_length=1, max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _something(self) -> DisclosuresRevise:
        if not self.texts():
            raise ValueError("give at least one of disclosure, risk_disclosure, mismatch_warning")
        return self

    def texts(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Text | None = Field(default=None, max_length=500)


class DisclosureOut(BaseModel):
    version: int
    text: str
    published_at: datetime


class ProductOut(BaseModel):
    id: int
    institution_id: int
    name: str
    type: str
    risk_level: str
    annual_rate: str
    term_days: int
    currency: str
    min_amount_minor: int
    step_amount_minor: int
    max_per_investor_minor: int
    raise_target_minor: int
    raise_cap_minor: int
    sold_minor: int
    remaining_minor: int
    order_count: int
    raise_start_at: datetime
    raise_end_at: datetime
    yield_start_rule: str
    qualified_only: bool
    status: str
    value_date: date | None
    maturity_date: date | None
    published_at: datetime | None
    created_at: datetime
    disclosures: dict[str, DisclosureOut] | None = None
    review: dict[str, Any] | None = None


def product_out(
    row: dict[str, Any],
    *,
    disclosures: dict[str, dict[str, Any]] | None = None,
    with_review: bool = False,
) -> ProductOut:
    """The view of a product from its column values (``service.snapshot``)."""
    review = None
    if with_review:
        review = {
            "created_by_user_id": row["created_by_user_id"],
            "submitted_at": row["submitted_at"],
            "reviewed_by_user_id": row["reviewed_by_user_id"],
            "reviewed_at": row["reviewed_at"],
            "note": row["review_note"],
        }
    return ProductOut(
        id=row["id"],
        institution_id=row["institution_id"],
        name=row["name"],
        type=row["product_type"],
        risk_level=row["risk_level"],
        annual_rate=domain.display_rate(row["annual_rate"]),
        term_days=row["term_days"],
        currency=row["currency"],
        min_amount_minor=row["min_amount_minor"],
        step_amount_minor=row["step_amount_minor"],
        max_per_investor_minor=row["max_per_investor_minor"],
        raise_target_minor=row["raise_target_minor"],
        raise_cap_minor=row["raise_cap_minor"],
        sold_minor=row["sold_minor"],
        remaining_minor=max(row["raise_cap_minor"] - row["sold_minor"], 0),
        order_count=row["order_count"],
        raise_start_at=row["raise_start_at"],
        raise_end_at=row["raise_end_at"],
        yield_start_rule=row["yield_start_rule"],
        qualified_only=row["qualified_only"],
        status=row["status"],
        value_date=row["value_date"],
        maturity_date=row["maturity_date"],
        published_at=row["published_at"],
        created_at=row["created_at"],
        disclosures=None
        if disclosures is None
        else {kind: DisclosureOut(**value) for kind, value in disclosures.items()},
        review=review,
    )
