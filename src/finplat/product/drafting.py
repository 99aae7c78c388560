"""Institutions' side of a product: drafting, revising a draft, disclosure revisions and
submitting for review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict
from finplat.core.money import CNY
from finplat.product import disclosures, domain, lifecycle
from finplat.product.models import DISCLOSURE, MISMATCH_WARNING, RISK_DISCLOSURE, Product
from finplat.product.policy import ProductPolicy, get_policy

# Disclosures may be revised until the raise is over (buyers then confirm the new version).
DISCLOSURE_REVISABLE = domain.EDITABLE_STATES | {domain.SUBMITTED, domain.APPROVED, domain.RAISING}


@dataclass(frozen=True, slots=True)
class Draft:
    """What an institution writes; the rules are in ``domain.check_terms``."""

    name: str
    terms: domain.Terms
    disclosure: str
    risk_disclosure: str
    mismatch_warning: str | None = None

    def texts(self) -> dict[str, str]:
        return {
            DISCLOSURE: self.disclosure,
            RISK_DISCLOSURE: self.risk_disclosure,
            MISMATCH_WARNING: self.mismatch_warning
            or disclosures.default_mismatch_warning(self.terms.risk_level),
        }


def _check(draft: Draft, now: datetime, policy: ProductPolicy | None) -> None:
    policy = policy or get_policy()
    kind = draft.terms.product_type
    domain.check_terms(
        draft.terms,
        now=now,
        qualified_minimum_minor=(
            policy.qualified_minimum_minor(kind) if kind in domain.PRODUCT_TYPES else 0
        ),
    )


def _apply(product: Product, draft: Draft, now: datetime) -> None:
    terms = draft.terms
    product.name, product.product_type = draft.name, terms.product_type
    product.risk_level, product.annual_rate = (
        terms.risk_level,
        domain.format_rate(terms.annual_rate),
    )
    product.term_days, product.min_amount_minor = terms.term_days, terms.min_amount_minor
    product.step_amount_minor = terms.step_amount_minor
    product.max_per_investor_minor = terms.max_per_investor_minor
    product.raise_target_minor, product.raise_cap_minor = (
        terms.raise_target_minor,
        terms.raise_cap_minor,
    )
    product.raise_start_at, product.raise_end_at = terms.raise_start_at, terms.raise_end_at
    product.yield_start_rule, product.qualified_only = terms.yield_start_rule, terms.qualified_only
    product.updated_at = now


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
    _check(draft, now, policy)

    async def work(session: AsyncSession) -> Product:
        product = Product(
            institution_id=institution_id,
            created_by_user_id=author_id,
            currency=CNY,
            status=domain.DRAFT,
            sold_minor=0,
            order_count=0,
            version=1,
            created_at=now,
        )
        _apply(product, draft, now)
        session.add(product)
        await session.flush()
        await disclosures.add_versions(
            session, product_id=product.id, texts=draft.texts(), author_id=author_id, now=now
        )
        await lifecycle.record(
            session, product, action="product.created", now=now, actor_id=author_id
        )
        return product

    return await db.run(work)


async def revise(
    db: Database,
    *,
    product_id: int,
    author_id: int,
    institution_id: int,
    draft: Draft,
    now: datetime,
    policy: ProductPolicy | None = None,
) -> Product:
    """New terms and texts for a draft or rejected product (submit it again for review).

    Raises ``ProductNotFound``, ``Conflict('product.invalid_state')``,
    ``InvalidInput('product.invalid_terms')``.
    """
    _check(draft, now, policy)

    async def work(session: AsyncSession) -> Product:
        product = await lifecycle.lock(session, product_id=product_id)
        lifecycle.require_owner(product, institution_id)
        if product.status not in domain.EDITABLE_STATES:
            raise Conflict(
                "product.invalid_state",
                f"only a draft or rejected product can be revised; it is {product.status}",
                extra={"status_now": product.status},
            )
        _apply(product, draft, now)
        product.version += 1
        kinds = await disclosures.add_versions(
            session, product_id=product.id, texts=draft.texts(), author_id=author_id, now=now
        )
        await lifecycle.record(
            session,
            product,
            action="product.revised",
            now=now,
            actor_id=author_id,
            extra={"disclosures_revised": kinds},
        )
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
    """New versions of some disclosure texts, until the raise is over.

    Investors must confirm the newest risk disclosure, so a revision during the raise makes
    buyers read it again. Raises ``ProductNotFound`` (also for another institution's product),
    ``Conflict('product.invalid_state')``.
    """

    async def work(session: AsyncSession) -> dict[str, dict[str, Any]]:
        product = await lifecycle.lock(session, product_id=product_id)
        lifecycle.require_owner(product, institution_id)
        if product.status not in DISCLOSURE_REVISABLE:
            raise Conflict(
                "product.invalid_state",
                f"disclosures of a {product.status} product can no longer change",
                extra={"status_now": product.status},
            )
        kinds = await disclosures.add_versions(
            session, product_id=product.id, texts=texts, author_id=author_id, now=now
        )
        product.version += 1
        product.updated_at = now
        await lifecycle.record(
            session,
            product,
            action="product.disclosures_revised",
            now=now,
            actor_id=author_id,
            extra={"kinds": kinds},
        )
        return await disclosures.current(session, product_id=product.id)

    return await db.run(work)


async def submit(
    db: Database, *, product_id: int, author_id: int, institution_id: int, now: datetime
) -> Product:
    """draft|rejected -> submitted. Raises ``ProductNotFound``, ``Conflict``."""

    async def work(session: AsyncSession) -> Product:
        product = await lifecycle.lock(session, product_id=product_id)
        lifecycle.require_owner(product, institution_id)
        await lifecycle.transition(
            session, product=product, action="submit", now=now, actor_id=author_id
        )
        product.submitted_at = now
        return product

    return await db.run(work)
