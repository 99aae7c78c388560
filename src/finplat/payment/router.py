"""Funds over HTTP: deposits, withdrawals, channel callbacks, reconciliation reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from finplat.core.clock import business_day_start
from finplat.core.deps import ClockDep, DbDep, IdempotencyKeyDep, PageDep, SettingsDep
from finplat.core.errors import NotFound, field_error
from finplat.core.money import Money
from finplat.core.pagination import Page, cursor_id, encode_cursor
from finplat.core.problems import outcome_response
from finplat.identity.deps import CurrentUser, Principal, VerifiedUser, require_roles
from finplat.payment import (
    callbacks,
    export,
    handover,
    queries,
    reconciliation_service,
    runtime,
    service,
    signing,
    staff,
)
from finplat.payment.schemas import (
    EARLIEST_DATE,
    CallbackAck,
    CallbackOut,
    DepositOut,
    DepositRequest,
    ReconciliationItemOut,
    ReconciliationReportOut,
    StaffOrderOut,
    WithdrawalOut,
    WithdrawalRequest,
)
from finplat.payment.views import deposit_view, withdrawal_view

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
    outcome = await service.create_deposit(
        db=db,
        user_id=user.user_id,
        amount=Money(body.amount_minor, settings.currency),
        channel=body.channel,
        idempotency_key=key,
        policy=runtime.policy_of(state),
        currency=settings.currency,
        now=clock.now(),
    )
    if outcome.status_code == 201 and not outcome.replayed:
        await handover.submit_deposit(
            db=db,
            channels=runtime.channels_of(state),
            user_id=user.user_id,
            deposit=outcome.body,
            now=clock.now(),
        )
    return outcome_response(outcome)


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
    outcome = await service.create_withdrawal(
        db=db,
        user_id=user.user_id,
        amount=Money(body.amount_minor, settings.currency),
        bank_card_id=body.bank_card_id,
        channel=body.channel,
        idempotency_key=key,
        policy=runtime.policy_of(state),
        currency=settings.currency,
        now=clock.now(),
    )
    if outcome.status_code == 201 and not outcome.replayed:
        await handover.submit_withdrawal(
            db=db,
            channels=runtime.channels_of(state),
            user_id=user.user_id,
            withdrawal=outcome.body,
            now=clock.now(),
        )
    return outcome_response(outcome)


@router.get("/me/deposits", response_model=Page[DepositOut])
async def list_deposits(user: CurrentUser, db: DbDep, page: PageDep) -> Page[DepositOut]:
    async with db.transaction(readonly=True) as session:
        rows = await queries.deposits_of(
            session, user_id=user.user_id, limit=page.limit + 1, before_id=cursor_id(page.cursor)
        )
    items = [DepositOut.model_validate(deposit_view(row)) for row in rows[: page.limit]]
    more = len(rows) > page.limit
    return Page(items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None)


@router.get("/me/withdrawals", response_model=Page[WithdrawalOut])
async def list_withdrawals(user: CurrentUser, db: DbDep, page: PageDep) -> Page[WithdrawalOut]:
    async with db.transaction(readonly=True) as session:
        rows = await queries.withdrawals_of(
            session, user_id=user.user_id, limit=page.limit + 1, before_id=cursor_id(page.cursor)
        )
    items = [WithdrawalOut.model_validate(withdrawal_view(row)) for row in rows[: page.limit]]
    more = len(rows) > page.limit
    return Page(items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None)


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
    async with db.transaction(readonly=True) as session:
        text = await export.statement_csv(
            session,
            user_id=user.user_id,
            from_at=business_day_start(from_date) if from_date else None,
            to_at=business_day_start(to_date) if to_date else None,
            codes=[type_] if type_ else None,
        )
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
    channels = runtime.channels_of(request.app.state)
    if channel not in channels:
        raise NotFound("payment.channel_not_found", "no such channel")
    policy = runtime.policy_of(request.app.state)
    result = await callbacks.handle(
        db=db,
        channel=channel,
        secret=runtime.secret_for(channel, settings=settings, policy=policy),
        timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
        signature=request.headers.get(signing.SIGNATURE_HEADER),
        body=await request.body(),
        tolerance_seconds=policy.callback_tolerance_seconds,
        now=clock.now(),
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
    async with db.transaction(readonly=True) as session:
        rows = await queries.reports(
            session,
            business_date=business_date,
            channel=channel,
            limit=page.limit + 1,
            before_id=cursor_id(page.cursor),
        )
    items = [
        reconciliation_service.report_out(row, currency=settings.currency)
        for row in rows[: page.limit]
    ]
    more = len(rows) > page.limit
    return Page(items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None)


@router.get("/admin/reconciliation/reports/{report_id}", response_model=ReconciliationReportOut)
async def get_report(
    report_id: Annotated[int, Path(gt=0, le=2**62)],
    _staff: StaffReader,
    db: DbDep,
    settings: SettingsDep,
) -> ReconciliationReportOut:
    from finplat.payment.models import PaymentReconciliationReport

    async with db.transaction(readonly=True) as session:
        report = await session.get(PaymentReconciliationReport, report_id)
        if report is None:
            raise NotFound("payment.report_not_found", "no such reconciliation report")
        items = await queries.report_items(session, report_id)
    out = reconciliation_service.report_out(report, currency=settings.currency)
    out.items = [ReconciliationItemOut.model_validate(item, from_attributes=True) for item in items]
    return out


@router.get("/admin/payments/callbacks", response_model=Page[CallbackOut])
async def list_callbacks(
    _staff: StaffReader,
    db: DbDep,
    page: PageDep,
    outcome: Annotated[Literal["applied", "anomaly", "unknown_order"] | None, Query()] = None,
) -> Page[CallbackOut]:
    """Channel notifications as received; ``?outcome=anomaly`` lists those that contradicted an
    order and changed nothing (for operations to investigate)."""
    async with db.transaction(readonly=True) as session:
        rows = await queries.callbacks(
            session, outcome=outcome, limit=page.limit + 1, before_id=cursor_id(page.cursor)
        )
    items = [CallbackOut.model_validate(row, from_attributes=True) for row in rows[: page.limit]]
    more = len(rows) > page.limit
    return Page(items=items, next_cursor=encode_cursor({"id": items[-1].id}) if more else None)


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
