"""Regulatory reports of one business date, as CSV or JSON (REGULATORY.md "AML").

- ``large-value``: every movement of each customer, direction and kind group whose same-day
  total reached the threshold of a large-value rule (thresholds inclusive, read from the rules
  in force), with that total; due within 5 working days.
- ``suspicious``: the movements behind every alert of each case confirmed (closed as
  ``confirmed``, or already reported) on that date, with the rule and the investigator's reason.

The regulator must be able to identify the customer, so the files carry the verified real name
and the full ID number (not masked, unlike every screen). They are therefore treated like the
ID number itself: stored encrypted (``risk_report.content``), downloaded only by risk officers
and auditors, every generation and download audited.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.clock import BUSINESS_TZ, business_date
from finplat.core.errors import NotFound, field_error
from finplat.identity import queries as identity_queries
from finplat.risk import cases, rules
from finplat.risk.models import RiskActivity, RiskAlert, RiskCase, RiskReport

TYPES = ("large-value", "suspicious")
FORMATS = ("csv", "json")
COLUMNS = ("line", "business_date", "customer_user_id", "customer_name", "customer_id_number",
           "account", "kind", "direction", "amount_minor", "currency", "occurred_at",
           "counterparty", "reference", "day_total_minor", "reason")


def _line(activity: RiskActivity, person: tuple[str, str], *, total: int,
          reason: str) -> dict[str, Any]:
    return {"business_date": activity.business_date.isoformat(),
            "customer_user_id": activity.user_id, "customer_name": person[0],
            "customer_id_number": person[1], "account": f"wallet:{activity.user_id}",
            "kind": activity.kind, "direction": activity.direction,
            "amount_minor": activity.amount_minor, "currency": activity.currency,
            "occurred_at": activity.occurred_at.isoformat(),
            "counterparty": activity.counterparty or "", "reference": activity.reference or "",
            "day_total_minor": total, "reason": reason}


async def _money_of(session: AsyncSession, *, day: date,
                    user_ids: Sequence[int] | None = None) -> list[RiskActivity]:
    query = select(RiskActivity).where(RiskActivity.business_date == day,
                                       RiskActivity.direction != "none")
    if user_ids is not None:
        query = query.where(RiskActivity.user_id.in_(user_ids))
    return list((await session.scalars(query.order_by(RiskActivity.occurred_at,
                                                      RiskActivity.id))).all())


async def large_value_lines(session: AsyncSession, *, day: date,
                            now: datetime) -> list[tuple[RiskActivity, int, str]]:
    """``(movement, its group's day total, reason)`` for every qualifying movement."""
    thresholds = [r for r in await rules.active(session, now=now)
                  if r.kind == "large_value" and r.enabled]
    activities = await _money_of(session, day=day)
    found: dict[int, tuple[RiskActivity, int, str]] = {}
    for rule in thresholds:
        kinds, threshold = set(rule.param("kinds")), int(rule.param("threshold_minor"))
        groups: dict[tuple[int, str], list[RiskActivity]] = defaultdict(list)
        for activity in activities:
            if activity.kind in kinds:
                groups[(activity.user_id, activity.direction)].append(activity)
        for members in groups.values():
            total = sum(a.amount_minor for a in members)
            if total >= threshold:
                for activity in members:
                    found.setdefault(activity.id, (activity, total, f"{rule.code} >= {threshold}"))
    return sorted(found.values(), key=lambda line: (line[0].occurred_at, line[0].id))


async def suspicious_lines(session: AsyncSession, *,
                           day: date) -> list[tuple[RiskActivity, int, str]]:
    closed = (await session.scalars(select(RiskCase).where(
        RiskCase.resolution == cases.CONFIRMED, RiskCase.closed_at.is_not(None)))).all()
    confirmed = [c for c in closed if c.closed_at and business_date(c.closed_at) == day]
    found: dict[int, tuple[RiskActivity, int, str]] = {}
    for case in confirmed:
        flagged = (await session.scalars(select(RiskAlert).where(
            RiskAlert.case_id == case.id))).all()
        for alert in flagged:
            movements = await _money_of(session, day=alert.business_date, user_ids=[case.user_id])
            total = sum(a.amount_minor for a in movements)
            reason = f"{alert.rule_code}: {case.resolution_reason or ''}".strip()[:300]
            for activity in movements:
                found.setdefault(activity.id, (activity, total, reason))
    return sorted(found.values(), key=lambda line: (line[0].occurred_at, line[0].id))


def render(rows: list[dict[str, Any]], *, report_type: str, day: date, file_format: str,
           generated_at: datetime) -> str:
    if file_format == "json":
        return json.dumps({"report_type": report_type, "business_date": day.isoformat(),
                           "generated_at": generated_at.astimezone(BUSINESS_TZ).isoformat(),
                           "rows": rows}, ensure_ascii=False, indent=1)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


async def generate(session: AsyncSession, *, report_type: str, day: date, file_format: str,
                   actor_id: int | None, now: datetime) -> RiskReport:
    """Build, store (encrypted) and audit one report. Raises ``InvalidInput``."""
    if report_type not in TYPES:
        raise field_error("type", f"one of {', '.join(TYPES)}")
    if file_format not in FORMATS:
        raise field_error("format", f"one of {', '.join(FORMATS)}")
    lines = (await large_value_lines(session, day=day, now=now) if report_type == "large-value"
             else await suspicious_lines(session, day=day))
    people = await identity_queries.verified_people(session, {a.user_id for a, _t, _r in lines})
    rows = [{"line": number, **_line(activity, people.get(activity.user_id, ("", "")),
                                     total=total, reason=reason)}
            for number, (activity, total, reason) in enumerate(lines, start=1)]
    report = RiskReport(report_type=report_type, business_date=day, file_format=file_format,
                        content=render(rows, report_type=report_type, day=day,
                                       file_format=file_format, generated_at=now),
                        row_count=len(rows), generated_at=now, generated_by=actor_id)
    session.add(report)
    await session.flush()
    await audit_service.record(session, action="risk.report_generated", target_type="risk_report",
                               target_id=report.id, now=now, actor_id=actor_id,
                               summary={"type": report_type, "date": day.isoformat(),
                                        "rows": len(rows)})
    return report


async def download(session: AsyncSession, *, report_id: int, actor_id: int,
                   now: datetime) -> RiskReport:
    """The stored report; the read is audited (it names customers)."""
    report = await session.get(RiskReport, report_id)
    if report is None:
        raise NotFound("risk.report_not_found", "no such report")
    await audit_service.record(session, action="risk.report_downloaded",
                               target_type="risk_report", target_id=report.id, now=now,
                               actor_id=actor_id)
    return report


def report_view(report: RiskReport) -> dict[str, Any]:
    return {"id": report.id, "type": report.report_type,
            "business_date": report.business_date, "format": report.file_format,
            "rows": report.row_count, "generated_at": report.generated_at,
            "generated_by": report.generated_by}
