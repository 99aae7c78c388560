"""HTTP edge of the catalogue: the public listing, institutions' drafts, the review queue.

Delisting and closing a raise move money, so they are served by the investment package.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from finplat.core.db import Database
from finplat.core.deps import ClockDep, DbDep, PageDep
from finplat.core.pagination import Page
from finplat.product import domain, queries, views
from finplat.product import service as product_service
from finplat.product.deps import InstitutionUser, ProductIdPath, Reviewer, StaffReader
from finplat.product.schemas import (
    DisclosureOut,
    DisclosuresRevise,
    ProductCreate,
    ProductOut,
    ProductType,
    ReviewBody,
    RiskLevel,
)

router = APIRouter(tags=["products"])

Sort = Annotated[str, Query(max_length=32, description=", ".join(queries.SORT_CHOICES))]


@router.get("/products", response_model=Page[ProductOut])
async def list_public(
    db: DbDep,
    page: PageDep,
    risk_level: RiskLevel | None = None,
    type: ProductType | None = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    sort: Sort = "-created_at",
) -> Page[ProductOut]:
    """The public catalogue: products raising or already running (filter by ``status``)."""
    statuses = domain.PUBLIC_STATES
    if status is not None:
        statuses = statuses & {status}
    return await views.listing(db, page=page, statuses=frozenset(statuses),
                               risk_level=risk_level, product_type=type, institution_id=None,
                               sort=sort)


@router.get("/products/{product_id}", response_model=ProductOut)
async def get_public(product_id: ProductIdPath, db: DbDep) -> ProductOut:
    """One catalogue product with the newest disclosure, risk disclosure and mismatch warning."""
    return await views.product(db, product_id=product_id, public_only=True, institution_id=None,
                               with_review=False)


def _draft(body: ProductCreate) -> product_service.Draft:
    cap = body.raise_cap_minor or body.raise_target_minor
    terms = domain.Terms(
        product_type=body.type,
        risk_level=body.risk_level,
        annual_rate=domain.parse_rate(body.annual_rate),
        term_days=body.term_days,
        min_amount_minor=body.min_amount_minor,
        step_amount_minor=body.step_amount_minor,
        max_per_investor_minor=body.max_per_investor_minor or cap,
        raise_target_minor=body.raise_target_minor,
        raise_cap_minor=cap,
        raise_start_at=body.raise_start_at,
        raise_end_at=body.raise_end_at,
        yield_start_rule=body.yield_start_rule,
        qualified_only=body.qualified_only,
    )
    return product_service.Draft(
        name=body.name,
        terms=terms,
        disclosure=body.disclosure,
        risk_disclosure=body.risk_disclosure,
        mismatch_warning=body.mismatch_warning,
    )


@router.post("/products", status_code=201, response_model=ProductOut)
async def create(
    body: ProductCreate, user: InstitutionUser, db: DbDep, clock: ClockDep
) -> ProductOut:
    """A new product in ``draft`` for the caller's institution."""
    assert user.institution_id is not None
    return await views.create(db, author_id=user.user_id, institution_id=user.institution_id,
                              draft=_draft(body), now=clock.now())


@router.put("/products/{product_id}", response_model=ProductOut)
async def revise(
    product_id: ProductIdPath,
    body: ProductCreate,
    user: InstitutionUser,
    db: DbDep,
    clock: ClockDep,
) -> ProductOut:
    """Replace the terms and texts of a draft or rejected product (changed texts get a new
    version); submit it again afterwards."""
    assert user.institution_id is not None
    return await views.revise(db, product_id=product_id, author_id=user.user_id,
                              institution_id=user.institution_id, draft=_draft(body),
                              now=clock.now())


@router.post("/products/{product_id}/submit", response_model=ProductOut)
async def submit(
    product_id: ProductIdPath, user: InstitutionUser, db: DbDep, clock: ClockDep
) -> ProductOut:
    assert user.institution_id is not None
    return await views.submit(db, product_id=product_id, author_id=user.user_id,
                              institution_id=user.institution_id, now=clock.now())


@router.post("/products/{product_id}/disclosures", response_model=dict[str, DisclosureOut])
async def revise_disclosures(
    product_id: ProductIdPath,
    body: DisclosuresRevise,
    user: InstitutionUser,
    db: DbDep,
    clock: ClockDep,
) -> dict[str, DisclosureOut]:
    """New versions of disclosure texts; buyers must then confirm the newest risk disclosure."""
    assert user.institution_id is not None
    return await views.revise_disclosures(db, product_id=product_id, author_id=user.user_id,
                                          institution_id=user.institution_id, texts=body.texts(),
                                          now=clock.now())


@router.get("/institution/products", response_model=Page[ProductOut])
async def list_own(
    user: InstitutionUser,
    db: DbDep,
    page: PageDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    sort: Sort = "-created_at",
) -> Page[ProductOut]:
    """The caller's institution's products in every state."""
    return await views.listing(db, page=page,
                               statuses=None if status is None else frozenset({status}),
                               risk_level=None, product_type=None,
                               institution_id=user.institution_id, sort=sort)


@router.get("/institution/products/{product_id}", response_model=ProductOut)
async def get_own(product_id: ProductIdPath, user: InstitutionUser, db: DbDep) -> ProductOut:
    return await views.product(db, product_id=product_id, public_only=False,
                               institution_id=user.institution_id, with_review=True)


@router.get("/admin/products", response_model=Page[ProductOut])
async def list_for_review(
    _staff: StaffReader,
    db: DbDep,
    page: PageDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    sort: Sort = "-created_at",
) -> Page[ProductOut]:
    """Every product (``?status=submitted`` is the review queue)."""
    return await views.listing(db, page=page,
                               statuses=None if status is None else frozenset({status}),
                               risk_level=None, product_type=None, institution_id=None,
                               sort=sort)


@router.get("/admin/products/{product_id}", response_model=ProductOut)
async def get_for_review(product_id: ProductIdPath, _staff: StaffReader, db: DbDep) -> ProductOut:
    return await views.product(db, product_id=product_id, public_only=False, institution_id=None,
                               with_review=True)


@router.post("/admin/products/{product_id}/approve", response_model=ProductOut)
async def approve(
    product_id: ProductIdPath,
    reviewer: Reviewer,
    db: DbDep,
    clock: ClockDep,
    body: ReviewBody | None = None,
) -> ProductOut:
    return await _review(db, product_id, reviewer.user_id, body, clock.now(), approve=True)


@router.post("/admin/products/{product_id}/reject", response_model=ProductOut)
async def reject(
    product_id: ProductIdPath,
    reviewer: Reviewer,
    db: DbDep,
    clock: ClockDep,
    body: ReviewBody | None = None,
) -> ProductOut:
    return await _review(db, product_id, reviewer.user_id, body, clock.now(), approve=False)


async def _review(
    db: Database,
    product_id: int,
    reviewer_id: int,
    body: ReviewBody | None,
    now: datetime,
    *,
    approve: bool,
) -> ProductOut:
    return await views.review(db, product_id=product_id, reviewer_id=reviewer_id,
                              approve=approve, note=body.note if body else None, now=now)


@router.post("/admin/products/{product_id}/publish", response_model=ProductOut)
async def publish(
    product_id: ProductIdPath, reviewer: Reviewer, db: DbDep, clock: ClockDep
) -> ProductOut:
    return await views.publish(db, product_id=product_id, actor_id=reviewer.user_id,
                               now=clock.now())
