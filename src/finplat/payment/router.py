"""Funds over HTTP: deposits, withdrawals, channel callbacks, reconciliation reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from finplat.core.clock import business_day_start
from finplat.core.deps import ClockDep, DbDep, IdempotencyKeyDep, PageDep, SettingsDep
from finplat.core.errors import field_error
from finplat.core.money import Money
from finplat.core.pagination import Page
from finplat.core.problems import outcome_response
from finplat.identity.deps import CurrentUser, Principal, VerifiedUser, require_roles
from finplat.payment import runtime, staff, usecases, views
from finplat.payment.schemas import (
    EARLIEST_DATE,
    CallbackAck,
    CallbackOut,
    DepositOut,
    DepositRequest,
    ReconciliationReportOut,
    StaffOrderOut,
    WithdrawalOut,
    WithdrawalRequest,
)

router = APIRouter(tags=["funds"])

StaffReader = Annotated[
    Principal, Depends(require_roles("risk_officer", "admin", "auditor", "finance"))
]


@router.post("/me/deposits", status_code=201, response_model=DepositOut)
async def create_deposit(
    body: DepositRequest,
    user: VerifiedUser,
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    key: IdempotencyKeyDep,
) -> JSONResponse:
    """Open a deposit; the channel completes it by callback (the simulator does so by itself)."""
    state = request.app.state
    return outcome_response(await usecases.deposit(
        db=db, channels=runtime.channels_of(state), policy=runtime.policy_of(state),
        user_id=user.user_id, amount=Money(body.amount_minor, settings.currency),
        channel=body.channel, idempotency_key=key, clock=clock,
    ))


@router.post("/me/withdrawals", status_code=201, response_model=WithdrawalOut)
async def create_withdrawal(
    body: WithdrawalRequest,
    user: VerifiedUser,
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    key: IdempotencyKeyDep,
) -> JSONResponse:
    """Hold the amount and instruct the channel; 409 ``ledger.insufficient_funds`` when more
    than the available balance."""
    state = request.app.state
    return outcome_response(await usecases.withdraw(
        db=db, channels=runtime.channels_of(state), policy=runtime.policy_of(state),
        user_id=user.user_id, amount=Money(body.amount_minor, settings.currency),
        bank_card_id=body.bank_card_id, channel=body.channel, idempotency_key=key, clock=clock,
    ))


@router.get("/me/deposits", response_model=Page[DepositOut])
async def list_deposits(user: CurrentUser, db: DbDep, page: PageDep) -> Page[dict[str, Any]]:
    return await views.deposits(db, user_id=user.user_id, page=page)


@router.get("/me/withdrawals", response_model=Page[WithdrawalOut])
async def list_withdrawals(user: CurrentUser, db: DbDep, page: PageDep) -> Page[dict[str, Any]]:
    return await views.withdrawals(db, user_id=user.user_id, page=page)


@router.get(
    "/me/transactions.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
async def my_transactions_csv(
    user: CurrentUser,
    db: DbDep,
    from_date: Annotated[
        date | None,
        Query(alias="from", ge=EARLIEST_DATE, description="First business day, 1970 or later."),
    ] = None,
    to_date: Annotated[
        date | None, Query(alias="to", ge=EARLIEST_DATE, description="Day after the last.")
    ] = None,
    type_: Annotated[str | None, Query(alias="type", min_length=1, max_length=32)] = None,
) -> Response:
    """The wallet's transactions as CSV (masked), filtered like ``GET /me/transactions``."""
    if from_date and to_date and from_date >= to_date:
        raise field_error("to", "must be after from")
    text = await views.statement_csv(db, user_id=user.user_id, from_date=from_date,
                                     to_date=to_date, code=type_)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="transactions.csv"'},
    )


@router.post("/payments/callbacks/{channel}", response_model=CallbackAck)
async def channel_callback(
    channel: Annotated[str, Path(max_length=16)],
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> CallbackAck:
    """A channel's signed notification: 200 once verified (replays included), 401 otherwise."""
    state = request.app.state
    result = await usecases.receive_callback(
        db=db, channels=runtime.channels_of(state), settings=settings,
        policy=runtime.policy_of(state), channel=channel, headers=request.headers,
        body=await request.body(), clock=clock,
    )
    return CallbackAck(result=result)


@router.get("/admin/reconciliation/reports", response_model=Page[ReconciliationReportOut])
async def list_reports(
    _staff: StaffReader,
    db: DbDep,
    page: PageDep,
    settings: SettingsDep,
    business_date: Annotated[date | None, Query(alias="date")] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
) -> Page[ReconciliationReportOut]:
    return await views.reports(db, business_date=business_date, channel=channel, page=page,
                               currency=settings.currency)


@router.get("/admin/reconciliation/reports/{report_id}", response_model=ReconciliationReportOut)
async def get_report(
    report_id: Annotated[int, Path(gt=0, le=2**62)],
    _staff: StaffReader,
    db: DbDep,
    settings: SettingsDep,
) -> ReconciliationReportOut:
    return await views.report(db, report_id=report_id, currency=settings.currency)


@router.get("/admin/payments/callbacks", response_model=Page[CallbackOut])
async def list_callbacks(
    _staff: StaffReader,
    db: DbDep,
    page: PageDep,
    outcome: Annotated[Literal["applied", "anomaly", "unknown_order"] | None, Query()] = None,
) -> Page[CallbackOut]:
    """Channel notifications as received; ``?outcome=anomaly`` lists those that contradicted an
    order and changed nothing (for operations to investigate)."""
    return await views.callbacks(db, outcome=outcome, page=page)


OrderKind = Literal["deposit", "withdrawal"]


@router.get("/admin/payments/orders", response_model=Page[StaffOrderOut])
async def search_orders(
    _staff: StaffReader, db: DbDep, page: PageDep,
    kind: Annotated[OrderKind, Query()] = "deposit",
    status: Annotated[str | None, Query(min_length=1, max_length=16)] = None,
    channel: Annotated[str | None, Query(min_length=1, max_length=16)] = None,
    user_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    from_date: Annotated[date | None, Query(alias="from", ge=EARLIEST_DATE,
                                            le=date(9999, 12, 30))] = None,
    to_date: Annotated[date | None, Query(alias="to", ge=EARLIEST_DATE,
                                          le=date(9999, 12, 30))] = None,
) -> Page[dict[str, Any]]:
    """Deposits or withdrawals, newest first, by state, channel, customer and creation period
    (business days in Asia/Shanghai, ``to`` exclusive)."""
    return await staff.search_orders(
        db, kind=kind, page=page, status=status, channel=channel, user_id=user_id,
        created_from=business_day_start(from_date) if from_date else None,
        created_to=business_day_start(to_date) if to_date else None)


@router.get("/admin/payments/stuck", response_model=Page[StaffOrderOut])
async def stuck_orders(
    _staff: StaffReader, db: DbDep, page: PageDep, clock: ClockDep,
    kind: Annotated[OrderKind, Query()] = "deposit",
    older_than_minutes: Annotated[int, Query(ge=0, le=60 * 24 * 366)] = 10,
) -> Page[dict[str, Any]]:
    """Orders still without an outcome after ``older_than_minutes``, oldest first, with when
    the recovery loop looks at them again (``recovery_due_at``)."""
    return await staff.stuck_orders(
        db, kind=kind, older_than_minutes=older_than_minutes, now=clock.now(), page=page)
