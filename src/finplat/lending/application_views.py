"""Loan applications as the applicant and the reviewers read them: the credit result with its
reasons and any refusal in the reader's language (docs/LENDING.md "Applications")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import NotFound
from finplat.core.messages import language_var
from finplat.core.pagination import Page, PageParams, page_of
from finplat.lending import credit
from finplat.lending.models import Application

# What each refusal says (English; core/messages.py has the Chinese).
REFUSALS = {
    "lending.grade_refused": "the credit grade E is below what the platform lends to",
    "lending.limit_exceeded": "the amount is above the credit limit",
    "lending.cap_exceeded": "the amount would take what you owe on the platform above the cap",
    "lending.apr_cap": "the all-in APR would be above 4 × the one-year LPR",
}



class ApplicationNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("lending.application_not_found", "no such loan application")



def application_json(app: Application) -> dict[str, Any]:
    language = language_var.get()
    refusal = None
    if app.refusal_code is not None:
        refusal = {"code": app.refusal_code, "detail": _refusal_text(app.refusal_code, language)}
    return {
        "id": app.id,
        "status": app.status,
        "product_id": app.product_id,
        "borrower_kind": app.borrower_kind,
        "institution_id": app.institution_id,
        "amount_minor": app.amount_minor,
        "currency": app.currency,
        "term_months": app.term_months,
        "repayment_method": app.repayment_method,
        "purpose": app.purpose,
        "credit": {
            "score": app.score,
            "grade": app.grade,
            "limit_minor": app.limit_minor,
            "annual_rate": app.annual_rate,
            "rate_tier": credit.RATE_TIERS.get(app.grade),
            "reasons": [{"code": code, "text": credit.reason_text(code, language)}
                        for code in app.reasons],
            "scorer": app.scorer,
            "model_version": app.model_version,
        },
        "apr": app.apr,
        "lpr_one_year": app.lpr_one_year,
        "refusal": refusal,
        "review_note": app.review_note,
        "reviewed_at": None if app.reviewed_at is None else app.reviewed_at.isoformat(),
        "created_at": app.created_at.isoformat(),
    }


def _refusal_text(code: str, language: str) -> str:
    if language.startswith("zh"):
        from finplat.core.messages import DETAILS_ZH

        return DETAILS_ZH.get(code, code)
    return REFUSALS.get(code, code)



async def mine(db: Database, *, user_id: int, page: PageParams) -> Page[Any]:
    return await _listing(db, page=page, user_id=user_id, status=None)


async def for_review(db: Database, *, page: PageParams, status: str | None) -> Page[Any]:
    return await _listing(db, page=page, user_id=None, status=status)


async def _listing(db: Database, *, page: PageParams, user_id: int | None,
                   status: str | None) -> Page[Any]:
    async def work(session: AsyncSession) -> Page[Any]:
        query = select(Application)
        if user_id is not None:
            query = query.where(Application.user_id == user_id)
        if status is not None:
            query = query.where(Application.status == status)
        if page.last_id is not None:
            query = query.where(Application.id < page.last_id)
        rows = list(await session.scalars(query.order_by(Application.id.desc())
                                          .limit(page.fetch_limit)))
        return page_of(rows, page, item=application_json)

    return await db.run(work, readonly=True)


async def one(db: Database, *, application_id: int, user_id: int | None) -> dict[str, Any]:
    """An application: the applicant's own (``user_id``) or any (staff, ``None``)."""
    async def work(session: AsyncSession) -> dict[str, Any]:
        app = await session.get(Application, application_id)
        if app is None or (user_id is not None and app.user_id != user_id):
            raise ApplicationNotFound()
        return application_json(app)

    return await db.run(work, readonly=True)
