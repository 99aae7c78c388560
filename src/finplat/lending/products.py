"""Loan products: drafted and submitted by an institution user, reviewed maker-checker by a
reviewer who is neither the author nor a user of the same institution, then offered to
applicants until retired (docs/LENDING.md "Loan products")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict, Forbidden, NotFound
from finplat.core.pagination import Page, PageParams, page_of
from finplat.events import service as events_service
from finplat.lending import events as lending_events
from finplat.lending.models import (
    PRODUCT_ACTIVE,
    PRODUCT_DRAFT,
    PRODUCT_PENDING_REVIEW,
    PRODUCT_REJECTED,
    PRODUCT_RETIRED,
    LoanProduct,
)

RATE_FORMAT = "{:.6f}"
# The highest prepayment fee a product may carry: 3% of the principal outstanding at payoff
# (basis points). At payoff the fee is further held within the APR cap (repayment.py).
MAX_PREPAYMENT_FEE_RATE_BPS = 300

# action -> (states it may start from, state it reaches, event class)
TRANSITIONS: dict[str, tuple[frozenset[str], str, type[lending_events.LoanProductChanged]]] = {
    "submit": (frozenset({PRODUCT_DRAFT, PRODUCT_REJECTED}), PRODUCT_PENDING_REVIEW,
               lending_events.LoanProductSubmitted),
    "approve": (frozenset({PRODUCT_PENDING_REVIEW}), PRODUCT_ACTIVE,
                lending_events.LoanProductApproved),
    "reject": (frozenset({PRODUCT_PENDING_REVIEW}), PRODUCT_REJECTED,
               lending_events.LoanProductRejected),
    "retire": (frozenset({PRODUCT_ACTIVE}), PRODUCT_RETIRED, lending_events.LoanProductRetired),
}


class LoanProductNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("lending.product_not_found", "no such loan product")


@dataclass(frozen=True)
class ProductTerms:
    """What an institution offers (validated by the request schema)."""

    name: str
    borrower_kind: str
    min_amount_minor: int
    max_amount_minor: int
    term_months: list[int]
    min_annual_rate: Decimal
    max_annual_rate: Decimal
    repayment_methods: list[str]
    service_fee_kind: str
    service_fee_rate: Decimal
    penalty_daily_rate: Decimal
    grace_days: int
    reserve_rate: Decimal
    funding_window_days: int
    prepayment_fee_rate_bps: int = 0


def product_json(product: LoanProduct, *, with_review: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": product.id,
        "institution_id": product.institution_id,
        "name": product.name,
        "borrower_kind": product.borrower_kind,
        "currency": product.currency,
        "min_amount_minor": product.min_amount_minor,
        "max_amount_minor": product.max_amount_minor,
        "term_months": list(product.term_months),
        "min_annual_rate": product.min_annual_rate,
        "max_annual_rate": product.max_annual_rate,
        "repayment_methods": list(product.repayment_methods),
        "service_fee_kind": product.service_fee_kind,
        "service_fee_rate": product.service_fee_rate,
        "penalty_daily_rate": product.penalty_daily_rate,
        "grace_days": product.grace_days,
        "reserve_rate": product.reserve_rate,
        "funding_window_days": product.funding_window_days,
        "prepayment_fee_rate_bps": product.prepayment_fee_rate_bps,
        "status": product.status,
        "version": product.version,
        "created_at": product.created_at.isoformat(),
    }
    if with_review:
        body["created_by_user_id"] = product.created_by_user_id
        body["submitted_at"] = _iso(product.submitted_at)
        body["reviewed_by_user_id"] = product.reviewed_by_user_id
        body["reviewed_at"] = _iso(product.reviewed_at)
        body["review_note"] = product.review_note
    return body


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


async def create(
    db: Database, *, author_id: int, institution_id: int, terms: ProductTerms, currency: str,
    now: datetime,
) -> dict[str, Any]:
    """A new product in ``draft`` for the author's institution."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        product = LoanProduct(
            institution_id=institution_id,
            created_by_user_id=author_id,
            name=terms.name,
            borrower_kind=terms.borrower_kind,
            currency=currency,
            min_amount_minor=terms.min_amount_minor,
            max_amount_minor=terms.max_amount_minor,
            term_months=sorted(set(terms.term_months)),
            min_annual_rate=RATE_FORMAT.format(terms.min_annual_rate),
            max_annual_rate=RATE_FORMAT.format(terms.max_annual_rate),
            repayment_methods=sorted(set(terms.repayment_methods)),
            service_fee_kind=terms.service_fee_kind,
            service_fee_rate=RATE_FORMAT.format(terms.service_fee_rate),
            penalty_daily_rate=RATE_FORMAT.format(terms.penalty_daily_rate),
            grace_days=terms.grace_days,
            reserve_rate=RATE_FORMAT.format(terms.reserve_rate),
            funding_window_days=terms.funding_window_days,
            prepayment_fee_rate_bps=terms.prepayment_fee_rate_bps,
            status=PRODUCT_DRAFT,
            version=1,
            created_at=now,
            updated_at=now,
        )
        session.add(product)
        await session.flush()
        await _record(session, product, lending_events.LoanProductCreated, None, now, author_id)
        return product_json(product, with_review=True)

    return await db.run(work)


async def _record(
    session: AsyncSession, product: LoanProduct, cls: type[lending_events.LoanProductChanged],
    previous: str | None, now: datetime, actor_id: int | None, note: str | None = None,
) -> None:
    event = cls(loan_product_id=product.id, institution_id=product.institution_id,
                      status=product.status, previous_status=previous)
    await events_service.record(
        session, event, target_type="loan_product", target_id=product.id, now=now,
        actor_id=actor_id,
        summary={"status": product.status, "from": previous, "version": product.version,
                 "note": note},
    )


async def _lock(session: AsyncSession, product_id: int) -> LoanProduct:
    product = await session.scalar(
        select(LoanProduct).where(LoanProduct.id == product_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if product is None:
        raise LoanProductNotFound()
    return product


def _move(product: LoanProduct, action: str, now: datetime) -> str:
    sources, target, _cls = TRANSITIONS[action]
    if product.status not in sources:
        raise Conflict(
            "lending.product_invalid_state",
            f"a {product.status} loan product cannot be {action}d",
            extra={"status": product.status, "action": action},
        )
    previous = product.status
    product.status, product.version, product.updated_at = target, product.version + 1, now
    return previous


async def act_as_owner(
    db: Database, *, product_id: int, institution_id: int, actor_id: int, action: str,
    now: datetime,
) -> dict[str, Any]:
    """``submit`` (draft or rejected -> pending review) or ``retire`` (active -> retired) by a
    user of the owning institution; another institution's product is not found."""
    assert action in ("submit", "retire")

    async def work(session: AsyncSession) -> dict[str, Any]:
        product = await _lock(session, product_id)
        if product.institution_id != institution_id:
            raise LoanProductNotFound()
        previous = _move(product, action, now)
        if action == "submit":
            product.submitted_at = now
        await _record(session, product, TRANSITIONS[action][2], previous, now, actor_id)
        return product_json(product, with_review=True)

    return await db.run(work)


async def review(
    db: Database, *, product_id: int, reviewer_id: int, reviewer_institution_id: int | None,
    approve: bool, note: str | None, now: datetime,
) -> dict[str, Any]:
    """pending review -> active | rejected. Raises ``Forbidden('lending.self_review')`` for the
    author or a user of the product's institution (maker-checker)."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        product = await _lock(session, product_id)
        if reviewer_id == product.created_by_user_id or (
            reviewer_institution_id is not None
            and reviewer_institution_id == product.institution_id
        ):
            raise Forbidden(
                "lending.self_review",
                "a loan product is reviewed by someone outside its author's institution",
            )
        action = "approve" if approve else "reject"
        previous = _move(product, action, now)
        product.reviewed_by_user_id, product.reviewed_at = reviewer_id, now
        product.review_note = note
        await _record(session, product, TRANSITIONS[action][2], previous, now, reviewer_id, note)
        return product_json(product, with_review=True)

    return await db.run(work)


async def get(session: AsyncSession, *, product_id: int) -> LoanProduct:
    product = await session.get(LoanProduct, product_id)
    if product is None:
        raise LoanProductNotFound()
    return product


async def view(
    db: Database, *, product_id: int, institution_id: int | None, public: bool, staff: bool
) -> dict[str, Any]:
    """One product: any state to staff, its own institution's to an institution user, only an
    active one to the public (others: not found)."""

    async def work(session: AsyncSession) -> dict[str, Any]:
        product = await get(session, product_id=product_id)
        if public and product.status != PRODUCT_ACTIVE:
            raise LoanProductNotFound()
        if institution_id is not None and product.institution_id != institution_id:
            raise LoanProductNotFound()
        return product_json(product, with_review=staff or institution_id is not None)

    return await db.run(work, readonly=True)


async def listing(
    db: Database, *, page: PageParams, status: str | None, institution_id: int | None,
    with_review: bool,
) -> Page[Any]:
    """Products newest first, by status and institution."""

    async def work(session: AsyncSession) -> Page[Any]:
        query = select(LoanProduct)
        if status is not None:
            query = query.where(LoanProduct.status == status)
        if institution_id is not None:
            query = query.where(LoanProduct.institution_id == institution_id)
        if page.last_id is not None:
            query = query.where(LoanProduct.id < page.last_id)
        rows = list(await session.scalars(query.order_by(LoanProduct.id.desc())
                                          .limit(page.fetch_limit)))
        return page_of(rows, page, item=lambda p: product_json(p, with_review=with_review))

    return await db.run(work, readonly=True)
