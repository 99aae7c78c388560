"""HTTP shapes of the ledger (apart from the ORM models)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from finplat.core.fields import MAX_ID, AmountMinor, SingleLine

# Nothing on the books predates it; the start of business day 0001-01-01 is not even an instant
# Python can hold in UTC.
EARLIEST_DATE = date(1970, 1, 1)


class AccountBalanceOut(BaseModel):
    balance_minor: int
    available_minor: int
    frozen_minor: int
    currency: str


class TransactionOut(BaseModel):
    id: int
    entry_id: int
    type: str
    amount_minor: int
    currency: str
    direction: str
    status: str
    balance_after_minor: int | None
    created_at: datetime
    reference: str | None


class StaffAccountOut(AccountBalanceOut):
    id: int
    kind: str
    reference: str
    name: str
    status: str
    owner_user_id: int | None
    tracks_balance: bool


class FreezeRequest(BaseModel):
    amount_minor: AmountMinor | None = Field(default=None,
                                             description="Freeze this amount (a judicial freeze); "
                                                 "omit to freeze the whole account.")
    reason: SingleLine = Field(min_length=1, max_length=200)


class UnfreezeRequest(BaseModel):
    hold_id: int | None = Field(default=None, gt=0, le=MAX_ID,
                                description="Release this amount freeze; "
                                            "omit to unfreeze the account.")
    reason: SingleLine = Field(min_length=1, max_length=200)


class CloseRequest(BaseModel):
    reason: SingleLine = Field(min_length=1, max_length=200)


class HoldOut(BaseModel):
    hold_id: int
    account_id: int
    amount_minor: int
    currency: str
    status: str


class JudicialFreezeOut(BaseModel):
    hold_id: int
    account_id: int
    owner_user_id: int | None
    account_name: str
    amount_minor: int
    currency: str
    status: str
    reason: str | None
    created_at: datetime
    released_at: datetime | None


class PlatformAccountsOut(BaseModel):
    items: list[StaffAccountOut]


class VerifyReportOut(BaseModel):
    ok: bool
    entries: int
    accounts: int
    problems: list[str]
    checked_at: datetime
    actor_id: int | None


class VerifyStatusOut(BaseModel):
    last: VerifyReportOut | None
