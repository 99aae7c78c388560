"""Versioned disclosure texts: a changed text is a new version, never an edit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.product.models import DISCLOSURE_KINDS, ProductDisclosure


def default_mismatch_warning(risk_level: str) -> str:
    return (
        f"风险不匹配警示：本产品风险等级为{risk_level}，高于您的风险承受能力等级。"
        "购买本产品可能导致超出您承受能力的本金损失，平台不向您推荐本产品。"
        f" Warning: this product is rated {risk_level}, above your risk tolerance; you may "
        "lose more principal than you can bear, and the platform does not recommend it "
        "to you."
    )


async def latest(session: AsyncSession, *, product_id: int, kind: str) -> ProductDisclosure | None:
    return await session.scalar(
        select(ProductDisclosure)
        .where(ProductDisclosure.product_id == product_id, ProductDisclosure.kind == kind)
        .order_by(ProductDisclosure.version.desc())
        .limit(1)
    )


async def current(session: AsyncSession, *, product_id: int) -> dict[str, dict[str, Any]]:
    """The newest version of each disclosure: ``{kind: {"version", "text", "published_at"}}``."""
    result: dict[str, dict[str, Any]] = {}
    for kind in DISCLOSURE_KINDS:
        row = await latest(session, product_id=product_id, kind=kind)
        if row is not None:
            result[kind] = {
                "version": row.version,
                "text": row.body,
                "published_at": row.created_at,
            }
    return result


async def add_versions(
    session: AsyncSession, *, product_id: int, texts: dict[str, str], author_id: int, now: datetime
) -> list[str]:
    """A new version of each text that differs from its current one; returns the kinds added."""
    added = []
    for kind, body in texts.items():
        assert kind in DISCLOSURE_KINDS, kind
        existing = await latest(session, product_id=product_id, kind=kind)
        if existing is not None and existing.body == body:
            continue
        session.add(
            ProductDisclosure(
                product_id=product_id,
                kind=kind,
                version=1 if existing is None else existing.version + 1,
                body=body,
                created_by_user_id=author_id,
                created_at=now,
            )
        )
        added.append(kind)
    await session.flush()
    return added
