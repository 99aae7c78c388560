"""The risk officers' use cases, each one transaction (what ``/admin/risk`` calls)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import NotFound
from finplat.risk import cases, reports, reviews, rules
from finplat.risk.models import RiskAlert, RiskCase, RiskReport, RiskRule, RiskRuleVersion

T = TypeVar("T")


async def _in_transaction(db: Database, work: Callable[[AsyncSession], Awaitable[T]],
                          *, readonly: bool = False) -> T:
    return await db.run(work, readonly=readonly)


def rule_view(row: RiskRule | RiskRuleVersion) -> dict[str, Any]:
    code = row.code if isinstance(row, RiskRule) else row.rule_code
    kind = rules.BUILT_IN.get(code, (getattr(row, "kind", ""),))[0]
    return {"code": code, "kind": getattr(row, "kind", kind), "enabled": row.enabled,
            "severity": row.severity, "parameters": row.parameters, "version": row.version,
            "blocking": kind in rules.BLOCKING_KINDS}


async def list_rules(db: Database, *, now: datetime) -> list[dict[str, Any]]:
    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        await rules.ensure_built_in(session, now=now)
        rows = (await session.scalars(select(RiskRule).order_by(RiskRule.code))).all()
        return [rule_view(row) for row in rows]
    return await _in_transaction(db, work)


async def change_rule(db: Database, *, code: str, changes: dict[str, Any], actor_id: int,
                      now: datetime) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        await rules.update_rule(session, code=code, enabled=changes.get("enabled"),
                                severity=changes.get("severity"),
                                parameters=changes.get("parameters"), actor_id=actor_id,
                                now=now)
        row = await session.scalar(select(RiskRule).where(RiskRule.code == code))
        assert row is not None
        return rule_view(row)
    return await _in_transaction(db, work)


async def rule_versions(db: Database, *, code: str) -> list[dict[str, Any]]:
    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return [{**rule_view(v), "changed_at": v.changed_at, "changed_by": v.changed_by}
                for v in await rules.versions(session, code=code)]
    return await _in_transaction(db, work, readonly=True)


async def snooze_rule(db: Database, *, code: str, user_id: int, until_at: datetime,
                      reason: str, actor_id: int, now: datetime) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        row = await rules.snooze(session, code=code, user_id=user_id, until_at=until_at,
                                 reason=reason, actor_id=actor_id, now=now)
        return {"rule_code": row.rule_code, "user_id": row.user_id, "until_at": row.until_at,
                "reason": row.reason}
    return await _in_transaction(db, work)


def alert_view(alert: RiskAlert) -> dict[str, Any]:
    return {"id": alert.id, "rule_code": alert.rule_code, "rule_version": alert.rule_version,
            "user_id": alert.user_id, "severity": alert.severity, "status": alert.status,
            "amount_minor": alert.amount_minor, "factors": alert.factors,
            "occurrences": alert.occurrences, "business_date": alert.business_date,
            "first_seen_at": alert.first_seen_at, "last_seen_at": alert.last_seen_at,
            "case_id": alert.case_id}


async def list_alerts(db: Database, *, status: str | None, user_id: int | None,
                      after_id: int | None, limit: int) -> list[dict[str, Any]]:
    query = select(RiskAlert).order_by(RiskAlert.id.desc()).limit(limit)
    if status is not None:
        query = query.where(RiskAlert.status == status)
    if user_id is not None:
        query = query.where(RiskAlert.user_id == user_id)
    if after_id is not None:
        query = query.where(RiskAlert.id < after_id)

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return [alert_view(a) for a in (await session.scalars(query)).all()]
    return await _in_transaction(db, work, readonly=True)


async def get_alert(db: Database, *, alert_id: int) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        alert = await session.get(RiskAlert, alert_id)
        if alert is None:
            raise NotFound("risk.alert_not_found", "no such alert")
        return alert_view(alert)
    return await _in_transaction(db, work, readonly=True)


async def case_step(db: Database, step: Callable[..., Awaitable[RiskCase]], *,
                    now: datetime, **arguments: Any) -> dict[str, Any]:
    """One workflow step of ``finplat.risk.cases`` (``open_case``, ``assign``, ``start``,
    ``close``, ``report``) and the case as it is after it."""
    async def work(session: AsyncSession) -> dict[str, Any]:
        case = await step(session, now=now, **arguments)
        return await cases.detail(session, case_id=case.id, now=now)
    return await _in_transaction(db, work)


async def add_note(db: Database, *, case_id: int, author_id: int, body: str,
                   now: datetime) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        await cases.add_note(session, case_id=case_id, author_id=author_id, body=body, now=now)
        return await cases.detail(session, case_id=case_id, now=now)
    return await _in_transaction(db, work)


async def list_cases(db: Database, *, status: str | None, after_id: int | None, limit: int,
                     now: datetime) -> list[dict[str, Any]]:
    query = select(RiskCase).order_by(RiskCase.id.desc()).limit(limit)
    if status is not None:
        query = query.where(RiskCase.status == status)
    if after_id is not None:
        query = query.where(RiskCase.id < after_id)

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return [cases.case_view(c, now=now) for c in (await session.scalars(query)).all()]
    return await _in_transaction(db, work, readonly=True)


async def get_case(db: Database, *, case_id: int, now: datetime) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        return await cases.detail(session, case_id=case_id, now=now)
    return await _in_transaction(db, work, readonly=True)


async def pending_reviews(db: Database, *, after_id: int | None,
                          limit: int) -> list[dict[str, Any]]:
    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return [reviews.review_view(r)
                for r in await reviews.pending(session, after_id=after_id, limit=limit)]
    return await _in_transaction(db, work, readonly=True)


async def holds_of(db: Database, *, user_id: int, language: str) -> list[dict[str, Any]]:
    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return await reviews.of_user(session, user_id=user_id, language=language)
    return await _in_transaction(db, work, readonly=True)


async def generate_report(db: Database, *, report_type: str, day: date, file_format: str,
                          actor_id: int | None, now: datetime) -> dict[str, Any]:
    async def work(session: AsyncSession) -> dict[str, Any]:
        return reports.report_view(await reports.generate(
            session, report_type=report_type, day=day, file_format=file_format,
            actor_id=actor_id, now=now))
    return await _in_transaction(db, work)


async def report_file(db: Database, *, report_id: int, actor_id: int,
                      now: datetime) -> tuple[str, str, date, str]:
    """``(content, format, date, type)`` of a stored report, the read audited."""
    async def work(session: AsyncSession) -> tuple[str, str, date, str]:
        report = await reports.download(session, report_id=report_id, actor_id=actor_id, now=now)
        return report.content, report.file_format, report.business_date, report.report_type
    return await _in_transaction(db, work)


async def list_reports(db: Database, *, limit: int) -> list[dict[str, Any]]:
    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        rows = (await session.scalars(select(RiskReport).order_by(RiskReport.id.desc())
                                      .limit(limit))).all()
        return [reports.report_view(r) for r in rows]
    return await _in_transaction(db, work, readonly=True)
