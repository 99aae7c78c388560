"""Product use cases: drafting, the maker-checker review, publishing, and the state changes the
investment package drives (raise closed, delisted, running, matured).

Public functions are keyword-only. Those taking ``db`` are whole use cases (one transaction);
those taking ``session`` run inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.db import Database
from finplat.core.errors import Conflict, NotFound
from finplat.core.money import CNY
from finplat.events import service as events_service
from finplat.product import domain
from finplat.product.models import (
    DISCLOSURE,
    DISCLOSURE_KINDS,
    MISMATCH_WARNING,
    RISK_DISCLOSURE,
    Product,
    ProductDisclosure,
)
from finplat.product.policy import ProductPolicy, get_policy


@dataclass(frozen=True, slots=True)
class Draft:
    """What an institution writes; the rules are in ``domain.check_terms``."""

    name: str
    terms: domain.Terms
    disclosure: str
    risk_disclosure: str
    mismatch_warning: str | None = None


def default_mismatch_warning(risk_level: str) -> str:
    return (
        f"风险不匹配警示：本产品风险等级为{risk_level}，高于您的风险承受能力等级。"
        "购买本产品可能导致超出您承受能力的本金损失，平台不向您推荐本产品。"
        f" Warning: this product is rated {risk_level}, above your risk tolerance; you may "
        "lose more principal than you can bear, and the platform does not recommend it to you."
    )


class ProductNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("product.not_found", "no such product")


async def create(
    db: Database,
    *,
    author_id: int,
    institution_id: int,
    draft: Draft,
    now: datetime,
    policy: ProductPolicy | None = None,
) -> Product:
    """A new product in ``draft``. Raises ``InvalidInput('product.invalid_terms')``."""
    policy = policy or get_policy()
    terms = draft.terms
    domain.check_terms(
        terms,
        now=now,
        qualified_minimum_minor=policy.qualified_minimum_minor(terms.product_type)
        if terms.product_type in domain.PRODUCT_TYPES
        else 0,
    )

    async def work(session: AsyncSession) -> Product:
        product = Product(
            institution_id=institution_id,
            created_by_user_id=author_id,
            name=draft.name,
            product_type=terms.product_type,
            risk_level=terms.risk_level,
            annual_rate=domain.format_rate(terms.annual_rate),
            term_days=terms.term_days,
            currency=CNY,
            min_amount_minor=terms.min_amount_minor,
            step_amount_minor=terms.step_amount_minor,
            max_per_investor_minor=terms.max_per_investor_minor,
            raise_target_minor=terms.raise_target_minor,
            raise_cap_minor=terms.raise_cap_minor,
            raise_start_at=terms.raise_start_at,
            raise_end_at=terms.raise_end_at,
            yield_start_rule=terms.yield_start_rule,
            qualified_only=terms.qualified_only,
            status=domain.DRAFT,
            sold_minor=0,
            order_count=0,
            version=1,
            created_at=now,
            updated_at=now,
        )
        session.add(product)
        await session.flush()
        texts = {
            DISCLOSURE: draft.disclosure,
            RISK_DISCLOSURE: draft.risk_disclosure,
            MISMATCH_WARNING: draft.mismatch_warning or default_mismatch_warning(terms.risk_level),
        }
        for kind, body in texts.items():
            session.add(
                ProductDisclosure(
                    product_id=product.id,
                    kind=kind,
                    version=1,
                    body=body,
                    created_by_user_id=author_id,
                    created_at=now,
                )
            )
        await _record(session, product, action="product.created", now=now, actor_id=author_id)
        return product

    return await db.run(work)


async def revise_disclosures(
    db: Database,
    *,
    product_id: int,
    author_id: int,
    institution_id: int,
    texts: dict[str, str],
    now: datetime,
) -> dict[str, dict[str, Any]]:
    """New versions of some disclosure texts (a product not yet matured or closed).

    Investors must confirm the newest risk disclosure, so a revision during the raise makes
    buyers re-read it. Raises ``ProductNotFound`` (also for another institution's product),
    ``Conflict('product.invalid_state')``, ``InvalidInput``.
    """

    async def work(session: AsyncSession) -> dict[str, dict[str, Any]]:
        product = await lock(session, product_id=product_id)
        _require_owner(product, institution_id)
        if product.status not in domain.EDITABLE_STATES | {
            domain.SUBMITTED,
            domain.APPROVED,
            domain.RAISING,
        }:
            domain.next_state("submit", product.status)  # raises the 409 with the state
        for kind, body in texts.items():
            current = await _latest_version(session, product.id, kind)
            session.add(
                ProductDisclosure(
                    product_id=product.id,
                    kind=kind,
                    version=current + 1,
                    body=body,
                    created_by_user_id=author_id,
                    created_at=now,
                )
            )
        product.version += 1
        product.updated_at = now
        await _record(
            session,
            product,
            action="product.disclosures_revised",
            now=now,
            actor_id=author_id,
            extra={"kinds": sorted(texts)},
        )
        return await disclosures(session, product_id=product.id)

    return await db.run(work)


async def submit(
    db: Database, *, product_id: int, author_id: int, institution_id: int, now: datetime
) -> Product:
    """draft|rejected -> submitted. Raises ``ProductNotFound``, ``Conflict``."""

    async def work(session: AsyncSession) -> Product:
        product = await lock(session, product_id=product_id)
        _require_owner(product, institution_id)
        await transition(session, product=product, action="submit", now=now, actor_id=author_id)
        product.submitted_at = now
        return product

    return await db.run(work)


async def review(
    db: Database,
    *,
    product_id: int,
    reviewer_id: int,
    approve: bool,
    note: str | None,
    now: datetime,
) -> Product:
    """submitted -> approved | rejected, by someone other than the author (maker-checker).

    Raises ``ProductNotFound``, ``Conflict('product.invalid_state')``,
    ``Forbidden('product.self_review')``.
    """

    async def work(session: AsyncSession) -> Product:
        product = await lock(session, product_id=product_id)
        domain.require_different_reviewer(
            author_id=product.created_by_user_id, reviewer_id=reviewer_id
        )
        product.reviewed_by_user_id, product.reviewed_at, product.review_note = (
            reviewer_id,
            now,
            note,
        )
        await transition(
            session,
            product=product,
            action="approve" if approve else "reject",
            now=now,
            actor_id=reviewer_id,
            extra={"note": note},
        )
        return product

    return await db.run(work)


async def publish(db: Database, *, product_id: int, actor_id: int, now: datetime) -> Product:
    """approved -> raising. Raises ``ProductNotFound``, ``Conflict`` (state, or the raise window
    has already ended)."""

    async def work(session: AsyncSession) -> Product:
        product = await lock(session, product_id=product_id)
        if product.status == domain.APPROVED and now >= product.raise_end_at:
            raise Conflict(
                "product.raise_window_over",
                "the raise window has already ended; create a new product",
            )
        await transition(session, product=product, action="publish", now=now, actor_id=actor_id)
        product.published_at = now
        return product

    return await db.run(work)


# ---- used by the investment package, inside its transactions -------------------------------


async def lock(session: AsyncSession, *, product_id: int) -> Product:
    """The product row, locked for this transaction. Raises ``ProductNotFound``."""
    product = await session.scalar(
        select(Product)
        .where(Product.id == product_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if product is None:
        raise ProductNotFound()
    return product


async def get(session: AsyncSession, *, product_id: int) -> Product:
    """Raises ``ProductNotFound``."""
    product = await session.get(Product, product_id)
    if product is None:
        raise ProductNotFound()
    return product


async def transition(
    session: AsyncSession,
    *,
    product: Product,
    action: str,
    now: datetime,
    actor_id: int | None,
    target: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Product:
    """Move a locked product along its life cycle, audited and published as an event.

    ``target`` is needed only where the action decides between states (``close_raise``).
    Raises ``Conflict('product.invalid_state')``.
    """
    allowed = domain.next_state(action, product.status)
    new_status = target if allowed is None else allowed
    assert new_status is not None, f"{action} needs a target state"
    previous = product.status
    product.status = new_status
    product.version += 1
    product.updated_at = now
    await _record(
        session,
        product,
        action=f"product.{new_status}",
        now=now,
        actor_id=actor_id,
        extra={"from": previous, **(extra or {})},
    )
    return product


async def latest_disclosure(
    session: AsyncSession, *, product_id: int, kind: str
) -> ProductDisclosure | None:
    return await session.scalar(
        select(ProductDisclosure)
        .where(ProductDisclosure.product_id == product_id, ProductDisclosure.kind == kind)
        .order_by(ProductDisclosure.version.desc())
        .limit(1)
    )


async def disclosures(session: AsyncSession, *, product_id: int) -> dict[str, dict[str, Any]]:
    """The newest version of each disclosure: ``{kind: {"version", "text", "published_at"}}``."""
    result: dict[str, dict[str, Any]] = {}
    for kind in DISCLOSURE_KINDS:
        row = await latest_disclosure(session, product_id=product_id, kind=kind)
        if row is not None:
            result[kind] = {
                "version": row.version,
                "text": row.body,
                "published_at": row.created_at,
            }
    return result


def snapshot(product: Product) -> dict[str, Any]:
    """A detached copy of the row's columns (for views built after the transaction)."""
    return {column.key: getattr(product, column.key) for column in Product.__table__.columns}


async def _latest_version(session: AsyncSession, product_id: int, kind: str) -> int:
    value = await session.scalar(
        select(func.max(ProductDisclosure.version)).where(
            ProductDisclosure.product_id == product_id, ProductDisclosure.kind == kind
        )
    )
    return int(value or 0)


def _require_owner(product: Product, institution_id: int) -> None:
    # Another institution's product is "not found", never "forbidden".
    if product.institution_id != institution_id:
        raise ProductNotFound()


async def _record(
    session: AsyncSession,
    product: Product,
    *,
    action: str,
    now: datetime,
    actor_id: int | None,
    extra: dict[str, Any] | None = None,
) -> None:
    summary = {"status": product.status, "version": product.version, **(extra or {})}
    await audit_service.record(
        session,
        action=action,
        target_type="product",
        target_id=product.id,
        now=now,
        summary=summary,
        actor_id=actor_id,
    )
    await events_service.publish(
        session,
        topic=action,
        now=now,
        payload={
            "product_id": product.id,
            "institution_id": product.institution_id,
            "status": product.status,
            "risk_level": product.risk_level,
            **(extra or {}),
        },
    )
