"""HTTP shapes of the investing API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from finplat.core.fields import AmountMinor, AmountMinorOrZero
from finplat.ledger.schemas import TransactionOut
from finplat.product.schemas import ProductOut

MAX_AMOUNT_MINOR = 10**13
MAX_ASSETS_MINOR = 10**15
Amount = Annotated[AmountMinor, Field(le=MAX_AMOUNT_MINOR)]
Assets = Annotated[AmountMinorOrZero, Field(le=MAX_ASSETS_MINOR)]


class OptionOut(BaseModel):
    id: str
    text: str


class QuestionOut(BaseModel):
    id: str
    topic: str
    text: str
    options: list[OptionOut]


class QuestionnaireOut(BaseModel):
    version: str
    language: str  # zh | en, from Accept-Language (zh by default)
    questions: list[QuestionOut]


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1, max_length=16)
    answers: dict[Annotated[str, Field(max_length=16)], Annotated[str, Field(max_length=16)]] = (
        Field(max_length=50)
    )


class AssessmentOut(BaseModel):
    id: int
    risk_level: str
    score: int
    version: str
    assessed_at: datetime
    expires_at: datetime
    answers: dict[str, str] | None = None


class QualificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    experience_years: int = Field(ge=0, le=80)
    net_financial_assets_minor: Assets = 0
    financial_assets_minor: Assets = 0
    average_income_minor: Assets = Field(
        default=0, description="own average annual income of the last 3 years"
    )


class QualificationOut(BaseModel):
    qualified: bool
    declared_at: datetime | None
    currency: str = "CNY"


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_minor: Amount
    disclosure_version: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description=(
            "the version of the product's risk disclosure the investor read and confirmed;"
            " omitted, the current version is recorded as the one confirmed"
        ),
    )
    coupon_id: int | None = Field(default=None, gt=0, le=2**63 - 1)
    acknowledge_risk_mismatch: bool = False
    risk_warning_version: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description=(
            "with acknowledge_risk_mismatch: the version of the product's mismatch warning;"
            " omitted, the current version is recorded as the one acknowledged"
        ),
    )


class CloseRaiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    early: bool = Field(default=False, description="end the raise before its window closes")


class DelistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class AmountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_minor: Amount


class ListOut(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class ProductSalesOut(ProductOut):
    """A product with what it sold: the raise's progress, orders by state, investors and the
    holders still to be paid out."""

    raise_progress_bps: int = Field(description="sold / raise target in basis points "
                                    "(10000: target met; more when sold beyond it)")
    orders_by_status: dict[str, int]
    investors_count: int = Field(description="investors with a pending or confirmed order")
    holders_count: int = Field(description="investors holding it, not yet paid out")
    principal_held_minor: int


class UpcomingPayoutOut(BaseModel):
    product_id: int
    product_name: str
    status: str
    maturity_date: date
    holders_count: int
    principal_minor: int
    amount_due_minor: int = Field(description="principal and yield of every unpaid holding")
    currency: str


class SettlementLineOut(TransactionOut):
    """One movement of the institution's settlement account (``type``: the entry code)."""
