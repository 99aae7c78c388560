"""Suitability use cases: the questionnaire, assessments (kept as history), qualification
declarations, and the checks an order runs against them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.db import Database
from finplat.core.errors import Conflict, Forbidden, NotFound
from finplat.events import service as events_service
from finplat.identity import service as identity_service
from finplat.investment import domain, questionnaire
from finplat.investment.events import RiskAssessed
from finplat.investment.models import Assessment, Qualification
from finplat.investment.policy import InvestmentPolicy, get_policy


def questionnaire_view(version: str | None = None, *, language: str = "zh") -> dict[str, Any]:
    """``{"version", "language", "questions": [{"id", "text", "topic", "options": [{"id",
    "text"}]}]}``, the texts in ``language`` (``zh`` or ``en``)."""
    q = questionnaire.QUESTIONNAIRES.get(version or questionnaire.CURRENT_VERSION)
    if q is None:
        raise NotFound("investment.questionnaire_unknown", "no such questionnaire version")
    return {
        "version": q.version,
        "language": language,
        "questions": [
            {
                "id": question.id,
                "topic": question.topic,
                "text": question.text.in_language(language),
                "options": [{"id": o.id, "text": o.text.in_language(language)}
                            for o in question.options],
            }
            for question in q.questions
        ],
    }


async def assess(
    db: Database,
    *,
    user_id: int,
    version: str,
    answers: dict[str, str],
    now: datetime,
    policy: InvestmentPolicy | None = None,
) -> Assessment:
    """Grade answers to the current questionnaire, keep them, and set the user's risk level.

    Raises ``Conflict('investment.questionnaire_outdated')`` for another version and
    ``InvalidInput('investment.invalid_answers')`` for incomplete or unknown answers.
    """
    policy = policy or get_policy()
    if version != questionnaire.CURRENT_VERSION:
        raise Conflict(
            "investment.questionnaire_outdated",
            f"answer the current questionnaire (version {questionnaire.CURRENT_VERSION})",
            extra={"current_version": questionnaire.CURRENT_VERSION},
        )
    result = domain.grade(questionnaire.current(), answers)
    expires_at = domain.assessment_expires_at(
        assessed_at=now, valid_days=policy.assessment_valid_days
    )

    async def work(session: AsyncSession) -> Assessment:
        assessment = Assessment(
            user_id=user_id,
            questionnaire_version=version,
            answers=json.dumps(dict(answers), sort_keys=True),
            score=result.score,
            risk_level=result.risk_level,
            assessed_at=now,
            expires_at=expires_at,
        )
        session.add(assessment)
        await session.flush()
        # Identity owns the profile's risk level (GET /me); it audits the change itself.
        await identity_service.set_risk_level(
            session, user_id=user_id, risk_level=result.risk_level, expires_at=expires_at, now=now
        )
        await events_service.record(
            session,
            RiskAssessed(
                assessment_id=assessment.id, user_id=user_id, questionnaire_version=version,
                score=result.score, risk_level=result.risk_level,
            ),
            target_type="user", target_id=user_id, now=now, actor_id=user_id,
        )
        return assessment

    return await db.run(work)


async def current_assessment(
    session: AsyncSession, *, user_id: int, now: datetime
) -> Assessment | None:
    """The newest assessment if it has not expired."""
    latest = await session.scalar(
        select(Assessment)
        .where(Assessment.user_id == user_id)
        .order_by(Assessment.assessed_at.desc(), Assessment.id.desc())
        .limit(1)
    )
    if latest is None or latest.expires_at <= now:
        return None
    return latest


def answers_of(assessment: Assessment) -> dict[str, str]:
    """The decrypted answers of an assessment (question id -> option id)."""
    return dict(json.loads(assessment.answers))


async def history(
    session: AsyncSession, *, user_id: int, limit: int, before_id: int | None
) -> list[Assessment]:
    query = select(Assessment).where(Assessment.user_id == user_id)
    if before_id is not None:
        query = query.where(Assessment.id < before_id)
    return list(await session.scalars(query.order_by(Assessment.id.desc()).limit(limit)))


async def declare_qualification(
    db: Database,
    *,
    user_id: int,
    experience_years: int,
    net_financial_assets_minor: int,
    financial_assets_minor: int,
    average_income_minor: int,
    now: datetime,
    policy: InvestmentPolicy | None = None,
) -> Qualification:
    """Store the investor's declaration and whether it meets the qualified-investor tests."""
    policy = policy or get_policy()
    qualified = domain.is_qualified(
        experience_years=experience_years,
        net_financial_assets_minor=net_financial_assets_minor,
        financial_assets_minor=financial_assets_minor,
        average_income_minor=average_income_minor,
        min_experience_years=policy.qualified_experience_years,
        min_net_financial_assets_minor=policy.qualified_net_financial_assets_minor,
        min_financial_assets_minor=policy.qualified_financial_assets_minor,
        min_average_income_minor=policy.qualified_average_income_minor,
    )

    async def work(session: AsyncSession) -> Qualification:
        row = Qualification(
            user_id=user_id,
            declaration=json.dumps(
                {
                    "experience_years": experience_years,
                    "net_financial_assets_minor": net_financial_assets_minor,
                    "financial_assets_minor": financial_assets_minor,
                    "average_income_minor": average_income_minor,
                },
                sort_keys=True,
            ),
            qualified=qualified,
            declared_at=now,
        )
        session.add(row)
        await session.flush()
        # The figures are personal financial data: the audit keeps only the outcome.
        await audit_service.record(
            session,
            action="investment.qualification_declared",
            target_type="user",
            target_id=user_id,
            now=now,
            actor_id=user_id,
            summary={"qualified": qualified},
        )
        return row

    return await db.run(work)


async def current_qualification(session: AsyncSession, *, user_id: int) -> Qualification | None:
    return await session.scalar(
        select(Qualification)
        .where(Qualification.user_id == user_id)
        .order_by(Qualification.declared_at.desc(), Qualification.id.desc())
        .limit(1)
    )


async def require_qualified(session: AsyncSession, *, user_id: int) -> None:
    """Raises ``Forbidden('investment.qualification_required')``."""
    row = await current_qualification(session, user_id=user_id)
    if row is None or not row.qualified:
        raise Forbidden(
            "investment.qualification_required",
            "this product is for qualified investors only; declare your "
            "qualification first (POST /me/qualification)",
        )
