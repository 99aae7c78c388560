"""Cases: alerts of one customer investigated together.

open -> investigating -> closed, closing as ``false_positive`` (a reason is required) or
``confirmed``; a confirmed case -> reported once its suspicious-transaction report is filed.
Each case has a due instant from its severity (``SLA_HOURS``); its age and whether it is
overdue are computed when read. Every step is recorded (audit + ``risk.case_changed``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.errors import Conflict, NotFound, field_error
from finplat.events import service as events_service
from finplat.risk import alerts
from finplat.risk.evaluators import SEVERITIES
from finplat.risk.events import CaseChanged, CaseOpened
from finplat.risk.models import RiskAlert, RiskCase, RiskCaseNote

OPEN, INVESTIGATING, CLOSED, REPORTED = "open", "investigating", "closed", "reported"
FALSE_POSITIVE, CONFIRMED = "false_positive", "confirmed"
SLA_HOURS = {"critical": 24, "high": 72, "medium": 120, "low": 240}
MAX_ALERTS = 100


async def open_case(session: AsyncSession, *, alert_ids: list[int], assignee_id: int | None,
                    actor_id: int, now: datetime) -> RiskCase:
    """A case over open alerts of one customer. Raises ``NotFound('risk.alert_not_found')``,
    ``Conflict('risk.alert_not_open')``, ``InvalidInput('risk.alerts_of_several_customers')``."""
    ids = sorted(set(alert_ids))[:MAX_ALERTS]
    rows = list((await session.scalars(select(RiskAlert).where(RiskAlert.id.in_(ids))
                                       .order_by(RiskAlert.id).with_for_update())).all())
    if len(rows) != len(ids) or not ids:
        raise NotFound("risk.alert_not_found", "no such alert")
    if any(row.status != alerts.OPEN for row in rows):
        raise Conflict("risk.alert_not_open", "an alert is already in a case or closed")
    if len({row.user_id for row in rows}) != 1:
        raise field_error("alert_ids", "all alerts must be about one customer",
                          code="risk.alerts_of_several_customers")
    severity = max((row.severity for row in rows), key=SEVERITIES.index)
    case = RiskCase(user_id=rows[0].user_id, status=OPEN, severity=severity,
                    assignee_id=assignee_id, opened_at=now,
                    due_at=now + timedelta(hours=SLA_HOURS[severity]), updated_at=now)
    session.add(case)
    await session.flush()
    await session.execute(update(RiskAlert).where(RiskAlert.id.in_(ids)).values(
        status=alerts.IN_CASE, case_id=case.id).execution_options(synchronize_session=False))
    await events_service.record(session, CaseOpened(case_id=case.id, user_id=case.user_id,
                                                    alert_ids=ids),
                                target_type="risk_case", target_id=case.id, now=now,
                                actor_id=actor_id)
    return case


async def _locked(session: AsyncSession, case_id: int) -> RiskCase:
    case = await session.scalar(select(RiskCase).where(RiskCase.id == case_id).with_for_update())
    if case is None:
        raise NotFound("risk.case_not_found", "no such case")
    return case


async def _changed(session: AsyncSession, case: RiskCase, *, actor_id: int, now: datetime,
                   detail: dict[str, Any]) -> None:
    case.updated_at = now
    await session.flush()
    await events_service.record(
        session, CaseChanged(case_id=case.id, status=case.status, resolution=case.resolution,
                             assignee_id=case.assignee_id),
        target_type="risk_case", target_id=case.id, now=now, actor_id=actor_id,
        summary={"status": case.status, **detail})


def _wrong_state(case: RiskCase, wanted: str) -> Conflict:
    return Conflict("risk.case_state", f"the case is {case.status}, not {wanted}")


async def assign(session: AsyncSession, *, case_id: int, assignee_id: int, actor_id: int,
                 now: datetime) -> RiskCase:
    """Raises ``NotFound('risk.case_not_found')``, ``Conflict('risk.case_state')``."""
    case = await _locked(session, case_id)
    if case.status in (CLOSED, REPORTED):
        raise _wrong_state(case, "open or investigating")
    case.assignee_id = assignee_id
    await _changed(session, case, actor_id=actor_id, now=now, detail={"assignee_id": assignee_id})
    return case


async def start(session: AsyncSession, *, case_id: int, actor_id: int,
                now: datetime) -> RiskCase:
    """open -> investigating (taken by ``actor_id`` when unassigned)."""
    case = await _locked(session, case_id)
    if case.status != OPEN:
        raise _wrong_state(case, OPEN)
    case.status = INVESTIGATING
    case.assignee_id = case.assignee_id or actor_id
    await _changed(session, case, actor_id=actor_id, now=now, detail={})
    return case


async def close(session: AsyncSession, *, case_id: int, resolution: str, reason: str,
                actor_id: int, now: datetime) -> RiskCase:
    """investigating -> closed as ``false_positive`` or ``confirmed``; its alerts closed.
    Raises ``InvalidInput('risk.reason_required')`` for a false positive without a reason."""
    case = await _locked(session, case_id)
    if case.status != INVESTIGATING:
        raise _wrong_state(case, INVESTIGATING)
    if resolution not in (FALSE_POSITIVE, CONFIRMED):
        raise field_error("resolution", "false_positive or confirmed")
    if resolution == FALSE_POSITIVE and not reason.strip():
        raise field_error("reason", "say why this is a false positive",
                          code="risk.reason_required")
    case.status, case.resolution, case.resolution_reason = CLOSED, resolution, reason[:500]
    case.closed_at = now
    await session.execute(update(RiskAlert).where(RiskAlert.case_id == case.id).values(
        status=alerts.CLOSED).execution_options(synchronize_session=False))
    await _changed(session, case, actor_id=actor_id, now=now,
                   detail={"resolution": resolution, "reason": reason[:500]})
    return case


async def report(session: AsyncSession, *, case_id: int, actor_id: int,
                 now: datetime) -> RiskCase:
    """A confirmed case's suspicious-transaction report was filed: closed -> reported."""
    case = await _locked(session, case_id)
    if case.status != CLOSED or case.resolution != CONFIRMED:
        raise _wrong_state(case, "closed as confirmed")
    case.status, case.reported_at = REPORTED, now
    await _changed(session, case, actor_id=actor_id, now=now, detail={})
    return case


async def add_note(session: AsyncSession, *, case_id: int, author_id: int, body: str,
                   now: datetime) -> RiskCaseNote:
    case = await _locked(session, case_id)
    note = RiskCaseNote(case_id=case.id, author_id=author_id, body=body, created_at=now)
    session.add(note)
    await session.flush()
    await audit_service.record(session, action="risk.case_note_added", target_type="risk_case",
                               target_id=case.id, now=now, actor_id=author_id,
                               summary={"note_id": note.id})
    return note


def case_view(case: RiskCase, *, now: datetime) -> dict[str, Any]:
    end = case.closed_at or now
    return {"id": case.id, "user_id": case.user_id, "status": case.status,
            "severity": case.severity, "resolution": case.resolution,
            "resolution_reason": case.resolution_reason, "assignee_id": case.assignee_id,
            "opened_at": case.opened_at, "due_at": case.due_at, "closed_at": case.closed_at,
            "reported_at": case.reported_at, "age_hours": round(
                (end - case.opened_at).total_seconds() / 3600, 1),
            "overdue": case.closed_at is None and now > case.due_at}


async def detail(session: AsyncSession, *, case_id: int, now: datetime) -> dict[str, Any]:
    case = await session.get(RiskCase, case_id)
    if case is None:
        raise NotFound("risk.case_not_found", "no such case")
    found = (await session.scalars(select(RiskAlert).where(RiskAlert.case_id == case_id)
                                   .order_by(RiskAlert.id))).all()
    notes = (await session.scalars(select(RiskCaseNote).where(RiskCaseNote.case_id == case_id)
                                   .order_by(RiskCaseNote.id).limit(200))).all()
    return {**case_view(case, now=now), "alert_ids": [a.id for a in found],
            "notes": [{"id": n.id, "author_id": n.author_id, "body": n.body,
                       "created_at": n.created_at} for n in notes]}
