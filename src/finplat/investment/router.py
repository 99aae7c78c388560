"""HTTP edge of investing: suitability, orders, holdings, raise end and delisting (they move
money), maturity payouts and the institution's settlement account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from finplat.core import messages
from finplat.core.clock import business_date
from finplat.core.deps import ClockDep, DbDep, IdempotencyKeyDep, PageDep
from finplat.core.pagination import Page
from finplat.core.problems import outcome_response
from finplat.identity.deps import CurrentUser, VerifiedUser
from finplat.investment import service as investment_service
from finplat.investment import views
from finplat.investment.reports_router import router as reports_router
from finplat.investment.schemas import (
    AmountIn,
    AssessmentIn,
    AssessmentOut,
    CloseRaiseIn,
    DelistIn,
    QualificationIn,
    QualificationOut,
    QuestionnaireOut,
)
from finplat.investment.schemas import OrderIn as OrderBody
from finplat.product.deps import InstitutionUser, OrderIdPath, ProductIdPath, Reviewer
from finplat.product.schemas import ProductOut, product_out

router = APIRouter(tags=["investing"])
router.include_router(reports_router)


# ---- suitability -----------------------------------------------------------------------------


@router.get("/risk-assessment/questionnaire", response_model=QuestionnaireOut)
async def questionnaire(
    version: Annotated[str | None, Query(max_length=16)] = None,
    accept_language: Annotated[str | None, Header(alias="Accept-Language")] = None,
) -> dict[str, Any]:
    """The questions and options in the language of ``Accept-Language`` (Chinese by default,
    or English)."""
    return investment_service.questionnaire_view(
        version, language=messages.content_language(accept_language))


@router.post("/me/risk-assessment", status_code=201, response_model=AssessmentOut)
async def assess(
    body: AssessmentIn, user: CurrentUser, db: DbDep, clock: ClockDep
) -> AssessmentOut:
    row = await investment_service.assess(
        db, user_id=user.user_id, version=body.version, answers=body.answers, now=clock.now()
    )
    return views.assessment_out(row)


@router.get("/me/risk-assessment", response_model=AssessmentOut)
async def current_assessment(user: CurrentUser, db: DbDep, clock: ClockDep) -> AssessmentOut:
    """The valid assessment; 404 ``investment.assessment_required`` when none (or expired)."""
    return await views.current_assessment(db, user_id=user.user_id, now=clock.now())


@router.get("/me/risk-assessments", response_model=Page[AssessmentOut])
async def assessment_history(
    user: CurrentUser, db: DbDep, page: PageDep
) -> Page[AssessmentOut]:
    """Every assessment taken, newest first, with the answers given."""
    return await views.assessment_history(db, user_id=user.user_id, page=page)


@router.post("/me/qualification", status_code=201, response_model=QualificationOut)
async def declare_qualification(
    body: QualificationIn, user: VerifiedUser, db: DbDep, clock: ClockDep
) -> QualificationOut:
    """Declare the qualified-investor facts (资管新规); the answer says whether they qualify."""
    row = await investment_service.declare_qualification(
        db,
        user_id=user.user_id,
        experience_years=body.experience_years,
        net_financial_assets_minor=body.net_financial_assets_minor,
        financial_assets_minor=body.financial_assets_minor,
        average_income_minor=body.average_income_minor,
        now=clock.now(),
    )
    return QualificationOut(qualified=row.qualified, declared_at=row.declared_at)


@router.get("/me/qualification", response_model=QualificationOut)
async def qualification(user: CurrentUser, db: DbDep) -> QualificationOut:
    return await views.qualification(db, user_id=user.user_id)


# ---- orders and holdings ---------------------------------------------------------------------


@router.post("/products/{product_id}/orders", status_code=201)
async def place_order(
    product_id: ProductIdPath,
    body: OrderBody,
    user: VerifiedUser,
    db: DbDep,
    clock: ClockDep,
    key: IdempotencyKeyDep,
) -> JSONResponse:
    """Buy into a raising product (Idempotency-Key required); funds are held in the wallet."""
    outcome = await investment_service.place_order(
        db,
        user_id=user.user_id,
        product_id=product_id,
        amount_minor=body.amount_minor,
        disclosure_version=body.disclosure_version,
        coupon_id=body.coupon_id,
        acknowledge_risk_mismatch=body.acknowledge_risk_mismatch,
        risk_warning_version=body.risk_warning_version,
        idempotency_key=key,
        now=clock.now(),
    )
    return outcome_response(outcome)


@router.get("/me/orders", response_model=Page[dict[str, Any]])
async def my_orders(
    user: CurrentUser,
    db: DbDep,
    page: PageDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> Page[dict[str, Any]]:
    return await views.orders(db, user_id=user.user_id, page=page, status=status)


@router.get("/me/orders/{order_id}")
async def my_order(order_id: OrderIdPath, user: CurrentUser, db: DbDep) -> dict[str, Any]:
    return await views.order(db, user_id=user.user_id, order_id=order_id)


@router.post("/me/orders/{order_id}/cancel")
async def cancel_order(
    order_id: OrderIdPath, user: CurrentUser, db: DbDep, clock: ClockDep
) -> dict[str, Any]:
    """Cancel a pending order while the product still raises; the held funds are released."""
    return await investment_service.cancel_order(
        db, user_id=user.user_id, order_id=order_id, now=clock.now()
    )


@router.get("/me/holdings", response_model=Page[dict[str, Any]])
async def my_holdings(user: CurrentUser, db: DbDep, page: PageDep) -> Page[dict[str, Any]]:
    """Holdings with accrued yield (whole fen and exact), expected payout and its date."""
    return await views.holdings(db, user_id=user.user_id, page=page)


# ---- operator actions that move money ----------------------------------------------------------


@router.post("/admin/products/{product_id}/delist", response_model=ProductOut)
async def delist(
    product_id: ProductIdPath,
    reviewer: Reviewer,
    db: DbDep,
    clock: ClockDep,
    body: DelistIn | None = None,
) -> ProductOut:
    """Take a product off sale before its raise ends; every order is refunded."""
    row = await investment_service.delist(
        db,
        product_id=product_id,
        now=clock.now(),
        actor_id=reviewer.user_id,
        reason=body.reason if body else None,
    )
    return product_out(row, with_review=True)


@router.post("/admin/products/{product_id}/close-raise", response_model=ProductOut)
async def close_raise(
    product_id: ProductIdPath,
    reviewer: Reviewer,
    db: DbDep,
    clock: ClockDep,
    body: CloseRaiseIn | None = None,
) -> ProductOut:
    """End the raise (also done by the daily job): raised and settled, or failed and refunded."""
    row = await investment_service.close_raise(
        db,
        product_id=product_id,
        now=clock.now(),
        actor_id=reviewer.user_id,
        early=bool(body and body.early),
    )
    return product_out(row, with_review=True)


@router.post("/admin/products/{product_id}/payout")
async def payout(
    product_id: ProductIdPath, _reviewer: Reviewer, db: DbDep, clock: ClockDep
) -> dict[str, Any]:
    """Try a matured product's payout now (the daily job also retries it)."""
    now = clock.now()
    result = await investment_service.pay_product(
        db, product_id=product_id, business_date=business_date(now), now=now
    )
    return {"product_id": product_id, "result": result}


# ---- the institution's settlement account ----------------------------------------------------


@router.get("/institution/settlement")
async def settlement_account(user: InstitutionUser, db: DbDep, clock: ClockDep) -> dict[str, Any]:
    assert user.institution_id is not None
    return await investment_service.settlement_view(
        db, institution_id=user.institution_id, now=clock.now()
    )


@router.post("/institution/settlement/fundings", status_code=201)
async def fund_settlement(
    body: AmountIn, user: InstitutionUser, db: DbDep, clock: ClockDep, key: IdempotencyKeyDep
) -> JSONResponse:
    """Move money from the caller's wallet to the institution's settlement account."""
    assert user.institution_id is not None
    return outcome_response(
        await investment_service.fund(
            db,
            user_id=user.user_id,
            institution_id=user.institution_id,
            amount_minor=body.amount_minor,
            idempotency_key=key,
            now=clock.now(),
        )
    )


@router.post("/institution/settlement/withdrawals", status_code=201)
async def withdraw_settlement(
    body: AmountIn, user: InstitutionUser, db: DbDep, clock: ClockDep, key: IdempotencyKeyDep
) -> JSONResponse:
    """Move money from the settlement account back to the caller's wallet."""
    assert user.institution_id is not None
    return outcome_response(
        await investment_service.withdraw(
            db,
            user_id=user.user_id,
            institution_id=user.institution_id,
            amount_minor=body.amount_minor,
            idempotency_key=key,
            now=clock.now(),
        )
    )
