"""Loan applications: the credit decision and the policies at once (refusals stored with their
reason), then a reviewer's approval, which opens the listing, or the applicant's withdrawal
(docs/LENDING.md "Applications"). How they are read: ``application_views``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import business_date
from finplat.core.db import Database
from finplat.core.errors import Conflict, DomainError, Forbidden, field_error
from finplat.events import service as events_service
from finplat.identity import queries as identity_queries
from finplat.lending import apr as apr_rules
from finplat.lending import borrowers, credit, pricing, products
from finplat.lending import events as lending_events
from finplat.lending.application_views import ApplicationNotFound, application_json
from finplat.lending.models import (
    APPLICATION_APPROVED,
    APPLICATION_PENDING_REVIEW,
    APPLICATION_REFUSED,
    APPLICATION_REJECTED,
    APPLICATION_WITHDRAWN,
    BUCKET_CURRENT,
    LOAN_LISTED,
    PRODUCT_ACTIVE,
    Application,
    Loan,
)
from finplat.lending.policy import (
    COMPANY,
    RISK_LEVEL_BY_GRADE,
    LendingPolicy,
    get_policy,
    outstanding_cap_on,
)
from finplat.risk.bureau import CreditBureau, SimulatedBureau


@dataclass(frozen=True)
class ApplicationRequest:
    product_id: int
    borrower_kind: str
    amount_minor: int
    term_months: int
    repayment_method: str
    purpose: str
    monthly_income_minor: int | None
    dependants: int | None
    monthly_debt_payments_minor: int
    employment: str | None


def _check_terms(product: Any, request: ApplicationRequest) -> None:
    """Terms the product does not offer: 422, nothing stored."""
    if product.status != PRODUCT_ACTIVE:
        raise Conflict("lending.product_unavailable", "the loan product takes no applications",
                       extra={"product_status": product.status})
    if product.borrower_kind not in ("both", request.borrower_kind):
        raise field_error("borrower_kind", f"the product lends to {product.borrower_kind} only",
                          code="lending.borrower_kind_not_offered")
    if not product.min_amount_minor <= request.amount_minor <= product.max_amount_minor:
        raise field_error(
            "amount_minor",
            f"must be from {product.min_amount_minor} to {product.max_amount_minor} fen",
            code="lending.amount_out_of_range")
    if request.term_months not in product.term_months:
        raise field_error("term_months", f"the product offers {product.term_months} months",
                          code="lending.term_not_offered")
    if request.repayment_method not in product.repayment_methods:
        raise field_error("repayment_method",
                          f"the product offers {', '.join(product.repayment_methods)}",
                          code="lending.method_not_offered")


async def _applicant(db: Database, *, user_id: int, kind: str,
                     institution_id: int | None) -> identity_queries.PartyIdentity:
    party = await db.run(lambda s: identity_queries.party_identity(s, user_id), readonly=True)
    if party.id_number is None:
        raise Forbidden("identity.kyc_required", "real-name verification is required first")
    if kind == COMPANY and (institution_id is None or party.uscc is None):
        raise Forbidden("lending.company_required",
                        "a company applies through a user of its institution (USCC)")
    return party


async def apply(
    db: Database, *, user_id: int, institution_id: int | None, request: ApplicationRequest,
    now: datetime, bureau: CreditBureau | None = None, policy: LendingPolicy | None = None,
) -> dict[str, Any]:
    """Decide an application; 201 with it, ``pending_review`` or ``refused`` with its reason.

    Raises ``InvalidInput`` (terms outside the product), ``Conflict`` (product unavailable),
    ``Forbidden`` (``identity.kyc_required``, ``lending.company_required``)."""
    policy = policy or get_policy()
    party = await _applicant(db, user_id=user_id, kind=request.borrower_kind,
                             institution_id=institution_id)
    product = await db.run(lambda s: products.get(s, product_id=request.product_id),
                           readonly=True)
    _check_terms(product, request)
    assert party.id_number is not None
    # The bureau is asked outside any transaction: a real one answers over the network.
    report = await (bureau or SimulatedBureau()).report(id_number=party.id_number)
    ref = borrowers.BorrowerRef(kind=request.borrower_kind, user_id=user_id,
                                institution_id=institution_id)
    today = business_date(now)
    cap = outstanding_cap_on(today, request.borrower_kind)

    async def work(session: AsyncSession) -> dict[str, Any]:
        locked = await products.get(session, product_id=request.product_id)
        _check_terms(locked, request)
        await borrowers.lock(session, ref, now=now)
        record = await borrowers.record(session, ref)
        decision = credit.scorer_for(policy.credit_scorer, request.borrower_kind).decide(
            credit.CreditRequest(
                borrower_kind=request.borrower_kind, id_number=party.id_number or "",
                today=today, monthly_income_minor=request.monthly_income_minor,
                dependants=request.dependants,
                monthly_debt_payments_minor=request.monthly_debt_payments_minor,
                bureau=report, history=record.history(), cap_minor=cap))
        outstanding = await borrowers.outstanding_minor(session, ref)
        app = _new_application(locked, request, decision, user_id, institution_id, now)
        refusal = _refusal(app, decision, locked, request, today, policy,
                           outstanding=outstanding, cap=cap)
        app.status = APPLICATION_REFUSED if refusal else APPLICATION_PENDING_REVIEW
        app.refusal_code = refusal
        app.decision_inputs = json.dumps(
            {"inputs": decision.inputs, "bureau_source": report.source,
             "outstanding_minor": outstanding, "cap_minor": cap}, sort_keys=True, default=str)
        session.add(app)
        await session.flush()
        cls = lending_events.ApplicationRefused if refusal else \
            lending_events.ApplicationSubmitted
        await _record(session, app, cls, now, actor_id=user_id)
        return application_json(app)

    return await db.run(work)


def _new_application(product: Any, request: ApplicationRequest, decision: credit.CreditDecision,
                     user_id: int, institution_id: int | None, now: datetime) -> Application:
    declared = {
        "monthly_income_minor": request.monthly_income_minor,
        "dependants": request.dependants,
        "monthly_debt_payments_minor": request.monthly_debt_payments_minor,
        "employment": request.employment,
    }
    return Application(
        user_id=user_id,
        borrower_kind=request.borrower_kind,
        institution_id=institution_id if request.borrower_kind == COMPANY else None,
        product_id=product.id,
        amount_minor=request.amount_minor,
        currency=product.currency,
        term_months=request.term_months,
        repayment_method=request.repayment_method,
        purpose=request.purpose,
        declared=json.dumps(declared, sort_keys=True),
        status=APPLICATION_PENDING_REVIEW,
        scorer=decision.scorer,
        model_version=decision.model_version,
        decision_inputs="{}",
        score=decision.score,
        grade=decision.grade,
        limit_minor=decision.limit_minor,
        annual_rate="",
        reasons=list(decision.reasons),
        apr="",
        lpr_one_year="",
        created_at=now,
        updated_at=now,
    )


def _refusal(app: Application, decision: credit.CreditDecision, product: Any,
             request: ApplicationRequest, today: Any, policy: LendingPolicy, *,
             outstanding: int, cap: int) -> str | None:
    """Price the application (rate, APR and LPR stored on ``app``) and name the first policy
    it fails, in the order: grade, limit, outstanding cap, APR cap."""
    low, high = Decimal(product.min_annual_rate), Decimal(product.max_annual_rate)
    rate = pricing.clamp_rate(decision.annual_rate or high, low, high)
    price = pricing.price(
        principal_minor=request.amount_minor, term_months=request.term_months,
        method=request.repayment_method, annual_rate=rate, fee_kind=product.service_fee_kind,
        fee_rate=Decimal(product.service_fee_rate), reserve_rate=Decimal(product.reserve_rate),
        contract_date=today)
    app.annual_rate = pricing.RATE_FORMAT.format(rate)
    app.apr = pricing.RATE_FORMAT.format(price.apr)
    app.lpr_one_year = pricing.RATE_FORMAT.format(price.lpr_one_year)
    if decision.grade == "E" or decision.annual_rate is None:
        return "lending.grade_refused"
    if request.amount_minor > decision.limit_minor:
        return "lending.limit_exceeded"
    if outstanding + request.amount_minor > cap:
        return "lending.cap_exceeded"
    try:
        apr_rules.check_apr_cap(price.apr, price.lpr_one_year, policy.apr_cap_multiple)
    except DomainError as refused:
        return refused.code
    return None


async def _record(session: AsyncSession, app: Application,
                  cls: type[lending_events.ApplicationChanged], now: datetime, *,
                  actor_id: int | None, **extra: Any) -> None:
    event = cls(application_id=app.id, user_id=app.user_id, product_id=app.product_id,
                amount_minor=app.amount_minor, currency=app.currency, status=app.status,
                grade=app.grade, refusal_code=app.refusal_code, **extra)
    await events_service.record(session, event, target_type="loan_application",
                                target_id=app.id, now=now, actor_id=actor_id,
                                summary={**event.payload(), "scorer": app.scorer,
                                         "model_version": app.model_version,
                                         "score": app.score, "reasons": list(app.reasons),
                                         "apr": app.apr, "lpr_one_year": app.lpr_one_year})


async def review(
    db: Database, *, application_id: int, reviewer_id: int, reviewer_institution_id: int | None,
    approve: bool, note: str | None, now: datetime,
) -> dict[str, Any]:
    """pending review -> approved (the listing opens) | rejected.

    Raises ``ApplicationNotFound``, ``Forbidden('lending.self_review')`` (the applicant, or a
    user of the applying company), ``Conflict('lending.application_invalid_state')``."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        app = await session.scalar(
            select(Application).where(Application.id == application_id).with_for_update()
            .execution_options(populate_existing=True))
        if app is None:
            raise ApplicationNotFound()
        if reviewer_id == app.user_id or (
            app.institution_id is not None and reviewer_institution_id == app.institution_id
        ):
            raise Forbidden("lending.self_review",
                            "an application is reviewed by someone outside the applicant's "
                            "institution")
        if app.status != APPLICATION_PENDING_REVIEW:
            raise Conflict("lending.application_invalid_state",
                           f"a {app.status} application cannot be reviewed",
                           extra={"status": app.status})
        decided = await session.execute(
            update(Application)
            .where(Application.id == app.id, Application.status == APPLICATION_PENDING_REVIEW)
            .values(status=APPLICATION_APPROVED if approve else APPLICATION_REJECTED,
                    reviewed_by_user_id=reviewer_id, reviewed_at=now, review_note=note,
                    updated_at=now)
            .execution_options(synchronize_session=False))
        if getattr(decided, "rowcount", 0) != 1:  # withdrawn meanwhile (guard, with the lock)
            raise Conflict("lending.application_invalid_state",
                           "this application was changed meanwhile")
        await session.refresh(app)
        body = application_json(app)
        if not approve:
            await _record(session, app, lending_events.ApplicationRejected, now,
                          actor_id=reviewer_id)
            return {**body, "status": app.status, "loan_id": None}
        loan = await _open_listing(session, app, now)
        await _record(session, app, lending_events.ApplicationApproved, now,
                      actor_id=reviewer_id, loan_id=loan.id)
        return {**body, "status": app.status, "loan_id": loan.id}

    return await db.run(work)


# Which applications the applicant may withdraw: those no reviewer has decided yet. An
# application is decided by the scorer at once (``refused`` or ``pending_review``), so the only
# undecided state is ``pending_review`` (submitted, waiting for or under review); once approved
# it is a listing, and bids may already hold investors' money.
WITHDRAWABLE = (APPLICATION_PENDING_REVIEW,)


async def withdraw(db: Database, *, application_id: int, user_id: int,
                   now: datetime) -> dict[str, Any]:
    """The applicant withdraws their own undecided application: one guarded UPDATE (``status in
    WITHDRAWABLE``), so of a withdrawal and a reviewer's decision racing, exactly one takes
    effect. Idempotent: an application already withdrawn is answered as it is.

    Raises ``ApplicationNotFound`` (someone else's too),
    ``Conflict('lending.application_not_withdrawable')``."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        result = await session.execute(
            update(Application)
            .where(Application.id == application_id, Application.user_id == user_id,
                   Application.status.in_(WITHDRAWABLE))
            .values(status=APPLICATION_WITHDRAWN, updated_at=now)
            .execution_options(synchronize_session=False))
        app = await session.scalar(select(Application).where(Application.id == application_id)
                                   .execution_options(populate_existing=True))
        if app is None or app.user_id != user_id:
            raise ApplicationNotFound()
        if getattr(result, "rowcount", 0) == 1:
            await _record(session, app, lending_events.ApplicationWithdrawn, now,
                          actor_id=user_id)
        elif app.status != APPLICATION_WITHDRAWN:
            raise Conflict("lending.application_not_withdrawable",
                           f"a {app.status} application cannot be withdrawn",
                           extra={"status": app.status})
        return application_json(app)

    return await db.run(work)


async def _open_listing(session: AsyncSession, app: Application, now: datetime) -> Loan:
    """The listing, its terms copied from the application and the product (a later change of
    the product never changes a contract)."""
    product = await products.get(session, product_id=app.product_id)
    upfront, per_installment, reserve = pricing.fees(
        principal_minor=app.amount_minor, term_months=app.term_months,
        method=app.repayment_method, fee_kind=product.service_fee_kind,
        fee_rate=Decimal(product.service_fee_rate), reserve_rate=Decimal(product.reserve_rate))
    loan = Loan(
        application_id=app.id, product_id=product.id, borrower_user_id=app.user_id,
        borrower_kind=app.borrower_kind, institution_id=product.institution_id,
        amount_minor=app.amount_minor, currency=app.currency, term_months=app.term_months,
        repayment_method=app.repayment_method, annual_rate=app.annual_rate, grade=app.grade,
        risk_level=RISK_LEVEL_BY_GRADE[app.grade], purpose=app.purpose,
        service_fee_kind=product.service_fee_kind, upfront_fee_minor=upfront,
        installment_fee_minor=per_installment, reserve_contribution_minor=reserve,
        penalty_daily_rate=product.penalty_daily_rate, grace_days=product.grace_days,
        apr=app.apr, lpr_one_year=app.lpr_one_year,
        prepayment_fee_rate_bps=product.prepayment_fee_rate_bps, status=LOAN_LISTED,
        listed_at=now,
        funding_ends_at=now + timedelta(days=product.funding_window_days), funded_minor=0,
        bid_count=0, principal_outstanding_minor=0, bucket=BUCKET_CURRENT, days_past_due=0,
        version=1, created_at=now, updated_at=now,
    )
    session.add(loan)
    await session.flush()
    await events_service.record(
        session,
        lending_events.LoanListed(
            loan_id=loan.id, borrower_user_id=loan.borrower_user_id,
            amount_minor=loan.amount_minor, currency=loan.currency, grade=loan.grade,
            risk_level=loan.risk_level, funding_ends_at=loan.funding_ends_at.isoformat()),
        target_type="loan", target_id=loan.id, now=now, actor_id=app.reviewed_by_user_id)
    return loan
