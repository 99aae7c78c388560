"""What the investing endpoints answer to a read: each function one read-only transaction that
returns the response (suitability, orders and holdings of the signed-in investor)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from finplat.core.db import Database
from finplat.core.errors import NotFound
from finplat.core.pagination import Page, PageParams, page_of
from finplat.investment import queries, suitability
from finplat.investment.models import Assessment
from finplat.investment.orders import OrderNotFound
from finplat.investment.schemas import AssessmentOut, QualificationOut


def assessment_out(row: Assessment, *, with_answers: bool = False) -> AssessmentOut:
    return AssessmentOut(
        id=row.id,
        risk_level=row.risk_level,
        score=row.score,
        version=row.questionnaire_version,
        assessed_at=row.assessed_at,
        expires_at=row.expires_at,
        answers=suitability.answers_of(row) if with_answers else None,
    )


async def current_assessment(db: Database, *, user_id: int, now: datetime) -> AssessmentOut:
    """The valid assessment with its answers; raises ``NotFound('investment.assessment_required')``
    when there is none (or it expired)."""
    async with db.transaction(readonly=True) as session:
        row = await suitability.current_assessment(session, user_id=user_id, now=now)
    if row is None:
        raise NotFound("investment.assessment_required", "no valid risk-tolerance assessment")
    return assessment_out(row, with_answers=True)


async def assessment_history(db: Database, *, user_id: int,
                             page: PageParams) -> Page[AssessmentOut]:
    """Every assessment taken, newest first, with the answers given."""
    async with db.transaction(readonly=True) as session:
        rows = await suitability.history(session, user_id=user_id, limit=page.fetch_limit,
                                         before_id=page.last_id)
    return page_of(rows, page, item=lambda row: assessment_out(row, with_answers=True))


async def qualification(db: Database, *, user_id: int) -> QualificationOut:
    async with db.transaction(readonly=True) as session:
        row = await suitability.current_qualification(session, user_id=user_id)
    return QualificationOut(
        qualified=bool(row and row.qualified), declared_at=row.declared_at if row else None
    )


async def orders(db: Database, *, user_id: int, page: PageParams,
                 status: str | None) -> Page[dict[str, Any]]:
    async with db.transaction(readonly=True) as session:
        return await queries.orders(session, user_id=user_id, page=page, status=status)


async def order(db: Database, *, user_id: int, order_id: int) -> dict[str, Any]:
    """Raises ``OrderNotFound`` (also for another user's order)."""
    async with db.transaction(readonly=True) as session:
        found = await queries.order(session, user_id=user_id, order_id=order_id)
    if found is None:
        raise OrderNotFound()
    return found


async def holdings(db: Database, *, user_id: int, page: PageParams) -> Page[dict[str, Any]]:
    """Holdings with accrued yield (whole fen and exact), expected payout and its date."""
    async with db.transaction(readonly=True) as session:
        return await queries.holdings(session, user_id=user_id, page=page)
