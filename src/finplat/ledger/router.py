"""The ledger over HTTP: a customer's balance and transactions; staff freezes and closes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from finplat.core.clock import business_day_start
from finplat.core.deps import ClockDep, DbDep, IdempotencyKeyDep, PageDep, SettingsDep
from finplat.core.errors import field_error
from finplat.core.fields import MAX_ID
from finplat.core.pagination import Page
from finplat.core.problems import outcome_response
from finplat.identity.deps import CurrentUser, Principal, require_roles
from finplat.ledger import console, customer, staff
from finplat.ledger.schemas import (
    EARLIEST_DATE,
    AccountBalanceOut,
    CloseRequest,
    FreezeRequest,
    HoldOut,
    JudicialFreezeOut,
    PlatformAccountsOut,
    StaffAccountOut,
    TransactionOut,
    UnfreezeRequest,
    VerifyReportOut,
    VerifyStatusOut,
)

router = APIRouter(tags=["ledger"])

StaffReader = Annotated[
    Principal, Depends(require_roles("risk_officer", "admin", "auditor", "finance"))
]
StaffWriter = Annotated[Principal, Depends(require_roles("risk_officer", "admin", "finance"))]
AccountIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/me/account", response_model=AccountBalanceOut)
async def my_account(user: CurrentUser, db: DbDep, settings: SettingsDep) -> AccountBalanceOut:
    """The wallet's balance, available and frozen amounts. A user without a wallet (not yet
    verified) has zeros."""
    return AccountBalanceOut(**await customer.balance(db, user_id=user.user_id,
                                                      currency=settings.currency))


@router.get("/me/transactions", response_model=Page[TransactionOut])
async def my_transactions(
    user: CurrentUser, db: DbDep, page: PageDep,
    from_date: Annotated[date | None, Query(alias="from", ge=EARLIEST_DATE,
                                            description="First business day (Asia/Shanghai), "
                                            "inclusive; 1970-01-01 or later.")] = None,
    to_date: Annotated[date | None, Query(alias="to", ge=EARLIEST_DATE,
                                          description="Business day after the last one "
                                          "(half-open period).")] = None,
    type_: Annotated[str | None, Query(alias="type", min_length=1, max_length=32)] = None,
) -> Page[TransactionOut]:
    """The wallet's postings, newest first. A user without a wallet has none."""
    if from_date and to_date and from_date >= to_date:
        raise field_error("to", "must be after from")
    result = await customer.statement(
        db, user_id=user.user_id, page=page,
        from_at=business_day_start(from_date) if from_date else None,
        to_at=business_day_start(to_date) if to_date else None,
        codes=[type_] if type_ else None)
    return Page(items=[TransactionOut(**line.as_json()) for line in result.items],
                next_cursor=result.next_cursor)


@router.get("/admin/accounts", response_model=Page[StaffAccountOut])
async def staff_accounts(
    staff_user: StaffReader, db: DbDep, page: PageDep,
    owner_user_id: Annotated[int | None, Query(gt=0, le=MAX_ID)] = None,
    kind: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
) -> Page[dict[str, Any]]:
    """Find accounts by owner (a customer's wallet) and/or kind, in id order."""
    return await staff.accounts_page(db, page=page, owner_user_id=owner_user_id, kind=kind)


@router.get("/admin/accounts/{account_id}", response_model=StaffAccountOut)
async def staff_account(account_id: AccountIdPath, staff_user: StaffReader,
                        db: DbDep) -> StaffAccountOut:
    return StaffAccountOut(**await staff.account(db, account_id=account_id))


@router.post("/admin/accounts/{account_id}/freeze", status_code=201,
             responses={200: {"model": StaffAccountOut}, 201: {"model": HoldOut}})
async def freeze(account_id: AccountIdPath, body: FreezeRequest, staff_user: StaffWriter, db: DbDep,
                 clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    """With ``amount_minor``: a judicial freeze of that amount (201, a hold to release later).
    Without: the whole account is frozen, nothing moves until unfrozen (200)."""
    outcome = await staff.freeze(db, account_id=account_id, amount_minor=body.amount_minor,
                                 reason=body.reason, actor_id=staff_user.user_id, key=key,
                                 now=clock.now())
    return outcome_response(outcome)


@router.post("/admin/accounts/{account_id}/unfreeze", response_model=StaffAccountOut)
async def unfreeze(account_id: AccountIdPath, body: UnfreezeRequest, staff_user: StaffWriter,
                   db: DbDep, clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    """With ``hold_id``: release that amount freeze. Without: unfreeze the account."""
    return outcome_response(await staff.unfreeze(db, account_id=account_id, hold_id=body.hold_id,
                                        reason=body.reason, actor_id=staff_user.user_id, key=key,
                                        now=clock.now()))


@router.post("/admin/accounts/{account_id}/close", response_model=StaffAccountOut)
async def close(account_id: AccountIdPath, body: CloseRequest, staff_user: StaffWriter, db: DbDep,
                clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    """Close an account at zero with no holds; 409 ``ledger.account_not_empty`` otherwise."""
    return outcome_response(await staff.close(db, account_id=account_id, reason=body.reason,
                                     actor_id=staff_user.user_id, key=key, now=clock.now()))


@router.get("/admin/ledger/freezes", response_model=Page[JudicialFreezeOut])
async def judicial_freezes(
    _staff: StaffReader, db: DbDep, page: PageDep,
    status: Annotated[Literal["open", "voided"] | None, Query()] = None,
    account_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    owner_user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Page[dict[str, Any]]:
    """Judicial (amount) freezes, newest first: ``open`` ones are in force, ``voided`` ones were
    released. Create and release with ``/admin/accounts/{id}/freeze`` and ``/unfreeze``."""
    return await console.judicial_freezes(db, page=page, status=status, account_id=account_id,
                                          owner_user_id=owner_user_id)


@router.get("/admin/ledger/platform-accounts", response_model=PlatformAccountsOut)
async def platform_accounts(_staff: StaffReader, db: DbDep) -> PlatformAccountsOut:
    """The platform's own accounts with their balances."""
    return PlatformAccountsOut(items=[StaffAccountOut(**row)
                                      for row in await console.platform_accounts(db)])


@router.get("/admin/ledger/verify", response_model=VerifyStatusOut)
async def last_verification(_staff: StaffReader, db: DbDep) -> VerifyStatusOut:
    """The result of the last check of the books run from the console (null if none)."""
    last = await console.last_verification(db)
    return VerifyStatusOut(last=VerifyReportOut(**last) if last else None)


@router.post("/admin/ledger/verify", response_model=VerifyReportOut)
async def verify_now(staff_user: StaffReader, db: DbDep, clock: ClockDep) -> VerifyReportOut:
    """Check the books now (every entry balanced, every balance equal to its postings); the
    result is kept in the audit log."""
    return VerifyReportOut(**await console.verify_now(db, now=clock.now(),
                                                      actor_id=staff_user.user_id))
