"""HTTP edge of lending origination: loan products, applications and their review, listings,
bids and agreements (servicing is served by ``servicing_router``, included below)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse

from finplat.core.deps import ClockDep, DbDep, IdempotencyKeyDep, PageDep
from finplat.core.errors import Forbidden
from finplat.core.fields import MAX_ID
from finplat.core.pagination import Page
from finplat.core.problems import outcome_response
from finplat.identity.deps import CurrentUser, Principal, VerifiedUser, require_roles
from finplat.lending import agreement, application_views, applications, bids, listings, products
from finplat.lending.applications import ApplicationRequest
from finplat.lending.schemas import (
    ApplicationIn,
    BidIn,
    LoanAgreementOut,
    LoanApplicationOut,
    LoanApplicationReviewedOut,
    LoanBidPlacedOut,
    LoanBidsOut,
    LoanListingOut,
    LoanProductCreate,
    LoanProductOut,
    LoanProductReviewedOut,
    ReviewIn,
)
from finplat.modules import optional_module

router = APIRouter(tags=["lending"])

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
StatusQuery = Annotated[str | None, Query(max_length=16)]
REVIEWER_ROLES = ("reviewer", "admin")
Reviewer = Annotated[Principal, Depends(require_roles(*REVIEWER_ROLES))]
StaffReader = Annotated[Principal, Depends(require_roles(*REVIEWER_ROLES, "auditor"))]


async def _institution_user(user: VerifiedUser) -> Principal:
    if not user.has_any("institution") or user.institution_id is None:
        raise Forbidden("lending.institution_required",
                        "only a verified user of a linked institution may do this")
    return user


InstitutionUser = Annotated[Principal, Depends(_institution_user)]


# ---- loan products ---------------------------------------------------------------------------

@router.post("/lending/products", status_code=201, response_model=LoanProductReviewedOut)
async def create_product(body: LoanProductCreate, user: InstitutionUser, db: DbDep,
                         clock: ClockDep) -> dict[str, Any]:
    """A loan product in ``draft`` for the caller's institution."""
    assert user.institution_id is not None
    return await products.create(db, author_id=user.user_id, institution_id=user.institution_id,
                                 terms=body.terms(), currency="CNY", now=clock.now())


@router.get("/lending/products", response_model=Page[LoanProductReviewedOut])
async def own_products(user: InstitutionUser, db: DbDep, page: PageDep,
                       status: StatusQuery = None) -> Page[Any]:
    return await products.listing(db, page=page, status=status,
                                  institution_id=user.institution_id, with_review=True)


@router.get("/lending/products/{product_id}", response_model=LoanProductReviewedOut)
async def own_product(product_id: IdPath, user: InstitutionUser, db: DbDep) -> dict[str, Any]:
    return await products.view(db, product_id=product_id, institution_id=user.institution_id,
                               public=False, staff=False)


@router.post("/lending/products/{product_id}/submit", response_model=LoanProductReviewedOut)
async def submit_product(product_id: IdPath, user: InstitutionUser, db: DbDep,
                         clock: ClockDep) -> dict[str, Any]:
    assert user.institution_id is not None
    return await products.act_as_owner(db, product_id=product_id,
                                       institution_id=user.institution_id,
                                       actor_id=user.user_id, action="submit", now=clock.now())


@router.post("/lending/products/{product_id}/retire", response_model=LoanProductReviewedOut)
async def retire_product(product_id: IdPath, user: InstitutionUser, db: DbDep,
                         clock: ClockDep) -> dict[str, Any]:
    assert user.institution_id is not None
    return await products.act_as_owner(db, product_id=product_id,
                                       institution_id=user.institution_id,
                                       actor_id=user.user_id, action="retire", now=clock.now())


@router.get("/loan-products", response_model=Page[LoanProductOut])
async def public_products(db: DbDep, page: PageDep) -> Page[Any]:
    """Loan products taking applications."""
    return await products.listing(db, page=page, status="active", institution_id=None,
                                  with_review=False)


@router.get("/loan-products/{product_id}", response_model=LoanProductOut)
async def public_product(product_id: IdPath, db: DbDep) -> dict[str, Any]:
    return await products.view(db, product_id=product_id, institution_id=None, public=True,
                               staff=False)


@router.get("/admin/lending/products", response_model=Page[LoanProductReviewedOut])
async def products_for_review(_staff: StaffReader, db: DbDep, page: PageDep,
                              status: StatusQuery = None) -> Page[Any]:
    """Every loan product (``?status=pending_review``: the review queue)."""
    return await products.listing(db, page=page, status=status, institution_id=None,
                                  with_review=True)


@router.get("/admin/lending/products/{product_id}", response_model=LoanProductReviewedOut)
async def product_for_review(product_id: IdPath, _staff: StaffReader,
                             db: DbDep) -> dict[str, Any]:
    return await products.view(db, product_id=product_id, institution_id=None, public=False,
                               staff=True)


@router.post("/admin/lending/products/{product_id}/approve", response_model=LoanProductReviewedOut)
async def approve_product(product_id: IdPath, reviewer: Reviewer, db: DbDep, clock: ClockDep,
                          body: ReviewIn | None = None) -> dict[str, Any]:
    return await products.review(db, product_id=product_id, reviewer_id=reviewer.user_id,
                                 reviewer_institution_id=reviewer.institution_id, approve=True,
                                 note=body.note if body else None, now=clock.now())


@router.post("/admin/lending/products/{product_id}/reject", response_model=LoanProductReviewedOut)
async def reject_product(product_id: IdPath, reviewer: Reviewer, db: DbDep, clock: ClockDep,
                         body: ReviewIn | None = None) -> dict[str, Any]:
    return await products.review(db, product_id=product_id, reviewer_id=reviewer.user_id,
                                 reviewer_institution_id=reviewer.institution_id, approve=False,
                                 note=body.note if body else None, now=clock.now())


# ---- applications ----------------------------------------------------------------------------

@router.post("/loans/applications", status_code=201, response_model=LoanApplicationOut)
async def apply(body: ApplicationIn, user: VerifiedUser, db: DbDep,
                clock: ClockDep) -> dict[str, Any]:
    """Apply for a loan: decided at once (``pending_review``, or ``refused`` naming its
    reason); reasons in the request's language."""
    if body.borrower_kind == "company" and not user.has_any("institution"):
        raise Forbidden("lending.company_required",
                        "a company applies through a user of its institution (USCC)")
    request = ApplicationRequest(**body.model_dump())
    return await applications.apply(db, user_id=user.user_id,
                                    institution_id=user.institution_id, request=request,
                                    now=clock.now())


@router.get("/me/loans/applications", response_model=Page[LoanApplicationOut])
async def my_applications(user: CurrentUser, db: DbDep, page: PageDep) -> Page[Any]:
    return await application_views.mine(db, user_id=user.user_id, page=page)


@router.get("/me/loans/applications/{application_id}", response_model=LoanApplicationOut)
async def my_application(application_id: IdPath, user: CurrentUser,
                         db: DbDep) -> dict[str, Any]:
    return await application_views.one(db, application_id=application_id, user_id=user.user_id)


@router.post("/me/loans/applications/{application_id}/withdraw", response_model=LoanApplicationOut)
async def withdraw_application(application_id: IdPath, user: CurrentUser, db: DbDep,
                               clock: ClockDep) -> dict[str, Any]:
    """Withdraw my application while no reviewer has decided it (``pending_review``):
    idempotent; a decided one is 409 ``lending.application_not_withdrawable``."""
    return await applications.withdraw(db, application_id=application_id,
                                       user_id=user.user_id, now=clock.now())


@router.get("/admin/loans/applications", response_model=Page[LoanApplicationOut])
async def applications_for_review(_staff: StaffReader, db: DbDep, page: PageDep,
                                  status: StatusQuery = None) -> Page[Any]:
    """Every application (``?status=pending_review``: the review queue)."""
    return await application_views.for_review(db, page=page, status=status)


@router.get("/admin/loans/applications/{application_id}", response_model=LoanApplicationOut)
async def application_for_review(application_id: IdPath, _staff: StaffReader,
                                 db: DbDep) -> dict[str, Any]:
    return await application_views.one(db, application_id=application_id, user_id=None)


@router.post("/admin/loans/{application_id}/approve", response_model=LoanApplicationReviewedOut)
async def approve_application(application_id: IdPath, reviewer: Reviewer, db: DbDep,
                              clock: ClockDep, body: ReviewIn | None = None) -> dict[str, Any]:
    """Approve a pending application (by id): the listing opens for bids."""
    return await applications.review(
        db, application_id=application_id, reviewer_id=reviewer.user_id,
        reviewer_institution_id=reviewer.institution_id, approve=True,
        note=body.note if body else None, now=clock.now())


@router.post("/admin/loans/{application_id}/reject", response_model=LoanApplicationReviewedOut)
async def reject_application(application_id: IdPath, reviewer: Reviewer, db: DbDep,
                             clock: ClockDep, body: ReviewIn | None = None) -> dict[str, Any]:
    return await applications.review(
        db, application_id=application_id, reviewer_id=reviewer.user_id,
        reviewer_institution_id=reviewer.institution_id, approve=False,
        note=body.note if body else None, now=clock.now())


# ---- listings, bids, agreements --------------------------------------------------------------

@router.get("/loans", response_model=Page[LoanListingOut])
async def open_listings(_user: CurrentUser, db: DbDep, page: PageDep) -> Page[Any]:
    """Listings open for bids, with the borrower disclosure."""
    return await listings.listing(db, page=page)


@router.get("/admin/loans", response_model=Page[LoanListingOut])
async def loans_for_staff(_staff: StaffReader, db: DbDep, page: PageDep,
                          status: StatusQuery = "listed") -> Page[Any]:
    return await listings.listing(db, page=page, status=status or "listed")


@router.get("/loans/{loan_id}", response_model=LoanListingOut)
async def one_listing(loan_id: IdPath, user: CurrentUser, db: DbDep) -> dict[str, Any]:
    return await listings.one(db, loan_id=loan_id, user_id=user.user_id, staff=user.is_staff)


@router.post("/loans/{loan_id}/bids", status_code=201, response_model=LoanBidPlacedOut)
async def place_bid(loan_id: IdPath, body: BidIn, user: VerifiedUser, db: DbDep,
                    clock: ClockDep, key: IdempotencyKeyDep) -> JSONResponse:
    """Bid on a listing (Idempotency-Key required): the amount is held in the wallet; the bid
    that fills the listing disburses the loan."""
    outcome = await bids.place_bid(db, user_id=user.user_id, loan_id=loan_id,
                                   amount_minor=body.amount_minor,
                                   acknowledge_risk_mismatch=body.acknowledge_risk_mismatch,
                                   idempotency_key=key, now=clock.now())
    return outcome_response(outcome)


@router.get("/me/loans/bids", response_model=LoanBidsOut)
async def my_bids(user: CurrentUser, db: DbDep) -> dict[str, Any]:
    return {"items": await bids.mine(db, user_id=user.user_id)}


@router.get("/loans/{loan_id}/agreement", response_model=LoanAgreementOut)
async def loan_agreement(loan_id: IdPath, user: CurrentUser, db: DbDep,
                         format: Annotated[str, Query(pattern="^(json|html)$")] = "json") -> Any:
    """The agreement, to the borrower, the loan's investors and staff (others: 404)."""
    found = await agreement.read(db, loan_id=loan_id, user_id=user.user_id, staff=user.is_staff)
    if format == "html":
        return HTMLResponse(found["html"], headers={"X-Content-SHA256": found["sha256"]})
    return {**found, "created_at": found["created_at"].isoformat()}


_servicing = optional_module("finplat.lending.servicing_router")
if _servicing is not None:
    router.include_router(_servicing.router)
