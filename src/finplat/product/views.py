"""The catalogue as the HTTP API shows it: each request's reads in one transaction, and each
workflow step followed by the product as it now is. The router only translates HTTP."""

from __future__ import annotations

from datetime import datetime

from finplat.core.db import Database
from finplat.core.pagination import Page, PageParams
from finplat.product import queries
from finplat.product import service as product_service
from finplat.product.schemas import DisclosureOut, ProductOut, product_out


async def product(db: Database, *, product_id: int, public_only: bool,
                  institution_id: int | None, with_review: bool) -> ProductOut:
    """One product with its current disclosures. ``public_only``: only the public catalogue's;
    ``institution_id``: only that institution's. Raises ``ProductNotFound`` otherwise."""
    async with db.transaction(readonly=True) as session:
        found = await product_service.get(session, product_id=product_id)
        if (public_only and not queries.is_public(found)) or (
            institution_id is not None and found.institution_id != institution_id
        ):
            raise product_service.ProductNotFound()
        texts = await product_service.disclosures(session, product_id=product_id)
        return product_out(product_service.snapshot(found), disclosures=texts,
                           with_review=with_review)


async def listing(db: Database, *, page: PageParams, statuses: frozenset[str] | None,
                  risk_level: str | None, product_type: str | None, institution_id: int | None,
                  sort: str) -> Page[ProductOut]:
    """A page of products in ``sort`` order. Raises ``InvalidInput`` (sort, cursor)."""
    async with db.transaction(readonly=True) as session:
        rows, next_cursor = await queries.list_products(
            session, limit=page.limit, cursor=page.cursor, statuses=statuses,
            risk_level=risk_level, product_type=product_type, institution_id=institution_id,
            sort=sort)
    return Page[ProductOut](items=[product_out(product_service.snapshot(row)) for row in rows],
                            next_cursor=next_cursor)


async def _staff_view(db: Database, product_id: int) -> ProductOut:
    return await product(db, product_id=product_id, public_only=False, institution_id=None,
                         with_review=True)


async def create(db: Database, *, author_id: int, institution_id: int,
                 draft: product_service.Draft, now: datetime) -> ProductOut:
    """A new draft for the institution (``product_service.create``), as it is stored."""
    created = await product_service.create(db, author_id=author_id, institution_id=institution_id,
                                           draft=draft, now=now)
    return await _staff_view(db, created.id)


async def revise(db: Database, *, product_id: int, author_id: int, institution_id: int,
                 draft: product_service.Draft, now: datetime) -> ProductOut:
    await product_service.revise(db, product_id=product_id, author_id=author_id,
                                 institution_id=institution_id, draft=draft, now=now)
    return await _staff_view(db, product_id)


async def submit(db: Database, *, product_id: int, author_id: int, institution_id: int,
                 now: datetime) -> ProductOut:
    await product_service.submit(db, product_id=product_id, author_id=author_id,
                                 institution_id=institution_id, now=now)
    return await _staff_view(db, product_id)


async def revise_disclosures(db: Database, *, product_id: int, author_id: int,
                             institution_id: int, texts: dict[str, str],
                             now: datetime) -> dict[str, DisclosureOut]:
    revised = await product_service.revise_disclosures(
        db, product_id=product_id, author_id=author_id, institution_id=institution_id,
        texts=texts, now=now)
    return {kind: DisclosureOut(**value) for kind, value in revised.items()}


async def review(db: Database, *, product_id: int, reviewer_id: int, approve: bool,
                 note: str | None, now: datetime) -> ProductOut:
    await product_service.review(db, product_id=product_id, reviewer_id=reviewer_id,
                                 approve=approve, note=note, now=now)
    return await _staff_view(db, product_id)


async def publish(db: Database, *, product_id: int, actor_id: int, now: datetime) -> ProductOut:
    await product_service.publish(db, product_id=product_id, actor_id=actor_id, now=now)
    return await _staff_view(db, product_id)
