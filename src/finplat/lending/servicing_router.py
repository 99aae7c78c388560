"""HTTP edge of loan servicing: the borrower's schedule, repayments and payoff, the investor's
holdings, the operators' loan book, overdue list, reserve and write-off, the public disclosure.
Included by ``lending.router``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from finplat.core.deps import ClockDep, DbDep, IdempotencyKeyDep, PageDep
from finplat.core.fields import MAX_ID
from finplat.core.pagination import page_of
from finplat.core.problems import outcome_response
from finplat.identity.deps import CurrentUser, Principal, VerifiedUser, require_roles
from finplat.lending import repayment, reserve
from finplat.lending import servicing_queries as queries
from finplat.lending.models import BUCKET_CURRENT, LOAN_DISBURSED, LOAN_PAID_OFF, LOAN_WRITTEN_OFF
from finplat.lending.servicing_schemas import (
    HoldingsOut,
    LendingDisclosureOut,
    MyLoansOut,
    PayoffIn,
    PayoffQuoteOut,
    ReceiptOut,
    RepaymentIn,
    ReserveOut,
    ScheduleOut,
    StaffLoansOut,
    WriteOffIn,
    WriteOffOut,
)

router = APIRouter(tags=["lending"])

LoanIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
LoanReader = Annotated[Principal, Depends(require_roles(
    "admin", "risk_officer", "reviewer", "auditor"))]
WriteOffStaff = Annotated[Principal, Depends(require_roles("admin", "risk_officer"))]
StatusFilter = Annotated[str | None, Query(pattern=f"^({LOAN_DISBURSED}|{LOAN_PAID_OFF}|"
                                                  f"{LOAN_WRITTEN_OFF})$")]
BucketFilter = Annotated[str | None, Query(pattern=f"^({BUCKET_CURRENT}|M1|M2|M3\\+)$")]


@router.get("/loans/{loan_id}/schedule", response_model=ScheduleOut)
async def loan_schedule(loan_id: LoanIdPath, user: CurrentUser, db: DbDep) -> dict[str, Any]:
    """The installments with what each owes and its state: for the loan's borrower, its
    investors and staff."""
    return await db.run(lambda s: queries.schedule(
        s, loan_id=loan_id, user_id=user.user_id, staff=user.is_staff), readonly=True)


@router.get("/me/loans", response_model=MyLoansOut)
async def my_loans(user: CurrentUser, db: DbDep, page: PageDep) -> Any:
    rows = await db.run(lambda s: queries.my_loans(s, user_id=user.user_id, page=page),
                        readonly=True)
    return page_of(rows, page, position=lambda row: {"id": row["id"]})


@router.get("/me/loans/{loan_id}/payoff", response_model=PayoffQuoteOut)
async def payoff_quote(loan_id: LoanIdPath, user: CurrentUser, db: DbDep,
                       clock: ClockDep) -> dict[str, Any]:
    """What repaying the whole loan today costs: principal outstanding, interest to date, any
    fee and penalty owed, the prepayment fee."""
    return await repayment.quote(db, user_id=user.user_id, loan_id=loan_id, now=clock.now())


@router.post("/me/loans/{loan_id}/repayments", status_code=201, response_model=ReceiptOut)
async def repay(loan_id: LoanIdPath, body: RepaymentIn, user: VerifiedUser, db: DbDep,
                clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    """Pay what is due now (or ``amount_minor`` of it) from the wallet."""
    outcome = await repayment.repay(db, user_id=user.user_id, loan_id=loan_id,
                                    amount_minor=body.amount_minor, idempotency_key=key,
                                    now=clock.now())
    return outcome_response(outcome)


@router.post("/me/loans/{loan_id}/payoff", status_code=201, response_model=ReceiptOut)
async def pay_off(loan_id: LoanIdPath, body: PayoffIn, user: VerifiedUser, db: DbDep,
                  clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    """Repay the whole loan today at the payoff amount."""
    outcome = await repayment.pay_off(db, user_id=user.user_id, loan_id=loan_id,
                                      expected_total_minor=body.expected_total_minor,
                                      idempotency_key=key, now=clock.now())
    return outcome_response(outcome)


@router.get("/me/loan-holdings", response_model=HoldingsOut)
async def loan_holdings(user: CurrentUser, db: DbDep, page: PageDep) -> Any:
    """The investor's loan claims: received and expected repayments."""
    rows = await db.run(lambda s: queries.holdings(s, user_id=user.user_id, page=page),
                        readonly=True)
    return page_of(rows, page, position=lambda row: {"id": row["claim_id"]})


@router.get("/admin/lending/loans", response_model=StaffLoansOut)
async def loan_book(_staff: LoanReader, db: DbDep, page: PageDep, status: StatusFilter = None,
                    bucket: BucketFilter = None) -> Any:
    rows = await db.run(lambda s: queries.loan_book(s, page=page, status=status, bucket=bucket),
                        readonly=True)
    return page_of(rows, page, position=lambda row: {"id": row["id"]})


@router.get("/admin/lending/overdue", response_model=StaffLoansOut)
async def overdue_loans(_staff: LoanReader, db: DbDep, page: PageDep,
                        bucket: BucketFilter = None) -> Any:
    """Loans past their grace days (and written-off ones still owing), with their bucket."""
    rows = await db.run(lambda s: queries.loan_book(s, page=page, status=None, bucket=bucket,
                                                    overdue_only=True), readonly=True)
    return page_of(rows, page, position=lambda row: {"id": row["id"]})


@router.get("/admin/lending/reserve", response_model=ReserveOut)
async def reserve_balance(_staff: LoanReader, db: DbDep, clock: ClockDep) -> dict[str, Any]:
    return await db.run(lambda s: queries.reserve_summary(s, now=clock.now()))


@router.post("/admin/loans/{loan_id}/write-off", response_model=WriteOffOut)
async def write_off(loan_id: LoanIdPath, body: WriteOffIn, staff: WriteOffStaff, db: DbDep,
                    clock: ClockDep) -> dict[str, Any]:
    """Write off a loan in M3+ with a reason (audited)."""
    return await reserve.write_off(db, loan_id=loan_id, reason=body.reason,
                                   actor_id=staff.user_id, now=clock.now())


@router.get("/disclosure/lending", response_model=LendingDisclosureOut)
async def disclosure(db: DbDep, clock: ClockDep) -> dict[str, Any]:
    """Public risk disclosure (no login): amounts lent and repaid, overdue rates by bucket,
    the risk reserve and its coverage."""
    return await db.run(lambda s: queries.disclosure(s, now=clock.now()))
