"""The product row's life cycle: locking, moving between states (audited, published) and the
review and publishing use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import Conflict, NotFound
from finplat.events import service as events_service
from finplat.product import domain
from finplat.product import events as product_events
from finplat.product.models import Product


class ProductNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("product.not_found", "no such product")


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


def require_owner(product: Product, institution_id: int) -> None:
    # Another institution's product is "not found", never "forbidden".
    if product.institution_id != institution_id:
        raise ProductNotFound()


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
    await record(
        session,
        product,
        action=f"product.{new_status}",
        now=now,
        actor_id=actor_id,
        extra={"from": previous, **(extra or {})},
    )
    return product


async def record(
    session: AsyncSession,
    product: Product,
    *,
    action: str,
    now: datetime,
    actor_id: int | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """The audit record and the typed event (``product.events``, by topic ``action``) of a
    change of ``product``. ``extra`` goes to the audit record whole and to the event as far as
    its class declares the fields (a review note, say, stays in the audit log)."""
    cls = product_events.BY_TOPIC[action]
    extra = extra or {}
    event = cls(
        product_id=product.id,
        institution_id=product.institution_id,
        status=product.status,
        risk_level=product.risk_level,
        product_version=product.version,
        previous_status=extra.get("from"),
        **{key: value for key, value in extra.items() if key in cls.model_fields},
    )
    await events_service.record(
        session,
        event,
        target_type="product",
        target_id=product.id,
        now=now,
        actor_id=actor_id,
        summary={"status": product.status, "version": product.version, **extra},
    )


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
        product.reviewed_by_user_id, product.reviewed_at = reviewer_id, now
        product.review_note = note
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
    has already ended: ``product.raise_window_over``)."""

    async def work(session: AsyncSession) -> Product:
        product = await lock(session, product_id=product_id)
        if product.status == domain.APPROVED and now >= product.raise_end_at:
            raise Conflict(
                "product.raise_window_over",
                "the raise window has already ended; revise or create a product",
            )
        await transition(session, product=product, action="publish", now=now, actor_id=actor_id)
        product.published_at = now
        return product

    return await db.run(work)


def snapshot(product: Product) -> dict[str, Any]:
    """A detached copy of the row's columns (for views built after the transaction)."""
    return {column.key: getattr(product, column.key) for column in Product.__table__.columns}
