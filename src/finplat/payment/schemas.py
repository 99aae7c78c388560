"""Request and response bodies of the funds API (apart from the ORM models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from finplat.core.fields import AmountMinor

# A hard outer bound; the policy bounds (PaymentSettings) are checked by the service.
MAX_AMOUNT_MINOR = 10**12
Amount = Annotated[AmountMinor, Field(le=MAX_AMOUNT_MINOR)]
# Nothing on the books predates it; the start of business day 0001-01-01 is not even an instant
# Python can hold in UTC.
EARLIEST_DATE = date(1970, 1, 1)


class DepositRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_minor: Amount
    channel: Literal["bank", "thirdparty"] = "bank"


class WithdrawalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_minor: Amount
    bank_card_id: int | None = Field(default=None, gt=0, le=2**62)
    channel: Literal["bank", "thirdparty"] | None = None


class DepositOut(BaseModel):
    id: int
    status: str
    amount_minor: int
    currency: str
    channel: str
    reference: str
    failure_reason: str | None = None
    created_at: datetime
    completed_at: datetime | None = None


class WithdrawalReviewOut(BaseModel):
    status: str
    reason_zh: str
    reason_en: str


class WithdrawalOut(BaseModel):
    id: int
    status: str
    amount_minor: int
    fee_minor: int
    currency: str
    channel: str
    reference: str
    bank_card_id: int | None = None
    failure_reason: str | None = None
    created_at: datetime
    completed_at: datetime | None = None
    # Set when a risk rule held the withdrawal for review: why, in plain words.
    review: WithdrawalReviewOut | None = None


class CallbackNotification(BaseModel):
    """What a channel tells us. Bounded like every input, although it is signed."""

    model_config = ConfigDict(extra="ignore")

    channel_reference: str = Field(min_length=1, max_length=64)
    merchant_reference: str = Field(min_length=1, max_length=40)
    kind: Literal["deposit", "withdrawal"]
    status: Literal["succeeded", "failed"]
    amount_minor: Amount
    currency: str = Field(min_length=3, max_length=3)
    occurred_at: datetime
    reason: str | None = Field(default=None, max_length=200)


class CallbackAck(BaseModel):
    result: str  # applied | duplicate | anomaly | unknown_order


class ReconciliationItemOut(BaseModel):
    kind: str
    transaction_kind: str
    merchant_reference: str
    channel_reference: str | None
    platform_amount_minor: int | None
    channel_amount_minor: int | None


class ReconciliationReportOut(BaseModel):
    id: int
    channel: str
    business_date: date
    status: str
    matched_count: int
    discrepancy_count: int
    channel_total_minor: int
    platform_total_minor: int
    currency: str
    created_at: datetime
    items: list[ReconciliationItemOut] | None = None


class CallbackOut(BaseModel):
    id: int
    channel: str
    channel_reference: str
    merchant_reference: str
    kind: str
    status: str
    amount_minor: int
    outcome: str
    detail: str | None
    received_at: datetime


class StaffOrderOut(BaseModel):
    """A deposit or withdrawal as operations see it (who, the channel's reference, recovery)."""

    id: int
    kind: str
    user_id: int
    status: str
    amount_minor: int
    fee_minor: int = 0
    currency: str
    channel: str
    reference: str
    channel_reference: str | None
    bank_card_id: int | None = None
    failure_reason: str | None = None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    recovery_due_at: datetime | None = None
