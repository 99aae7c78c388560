"""Alerts: one per rule hit and de-duplication key (a repeat adds an occurrence and refreshes
the factors), each new one recorded (audit + ``risk.alert_raised``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core import bulk_rows
from finplat.events import service as events_service
from finplat.risk.evaluators import Hit, Rule
from finplat.risk.events import AlertRaised
from finplat.risk.models import RiskAlert

OPEN, IN_CASE, CLOSED = "open", "in_case", "closed"
_INSERT = insert(cast(Table, RiskAlert.__table__)).returning(RiskAlert.dedup_key, RiskAlert.id)
_REPEAT = (update(cast(Table, RiskAlert.__table__))
           .where(RiskAlert.id == bindparam("b_id"))
           .values(occurrences=RiskAlert.occurrences + bindparam("b_count"),
                   last_seen_at=bindparam("b_at"), factors=bindparam("b_factors"),
                   amount_minor=bindparam("b_amount")))


async def raise_many(session: AsyncSession, hits: Sequence[Hit], *, now: datetime) -> None:
    """Store ``hits``: new keys become alerts, known keys count another occurrence."""
    if not hits:
        return
    merged: dict[str, tuple[Hit, int]] = {}
    for hit in hits:
        _first, count = merged.get(hit.dedup_key, (hit, 0))
        merged[hit.dedup_key] = (hit, count + 1)  # the latest hit's factors win
    existing: dict[str, int] = {key: alert_id for key, alert_id in (await session.execute(
        select(RiskAlert.dedup_key, RiskAlert.id)
        .where(bulk_rows.one_of(session, RiskAlert.dedup_key, merged)))).all()}
    if existing:  # one executemany for every repeat of the batch
        await session.execute(_REPEAT, [
            {"b_id": alert_id, "b_count": merged[key][1], "b_at": merged[key][0].occurred_at,
             "b_factors": merged[key][0].factors, "b_amount": merged[key][0].amount_minor}
            for key, alert_id in existing.items()])
    new = [(hit, count) for key, (hit, count) in merged.items() if key not in existing]
    if not new:
        return
    # The new alerts' ids come back from their insert (batched by SQLAlchemy: one statement
    # for up to 1,000 rows, on every database).
    ids: dict[str, int] = {key: alert_id for key, alert_id in (await session.execute(
        _INSERT, [_values(hit, count) for hit, count in new])).all()}
    await events_service.record_many(session, [
        (AlertRaised(alert_id=ids[hit.dedup_key], user_id=hit.user_id, rule_code=hit.rule.code,
                     rule_version=hit.rule.version, severity=hit.rule.severity,
                     amount_minor=hit.amount_minor), ids[hit.dedup_key])
        for hit, _count in new], target_type="risk_alert", now=now)


def _values(hit: Hit, count: int) -> dict[str, Any]:
    return {"dedup_key": hit.dedup_key, "rule_code": hit.rule.code,
            "rule_version": hit.rule.version, "user_id": hit.user_id,
            "severity": hit.rule.severity, "status": OPEN, "amount_minor": hit.amount_minor,
            "factors": hit.factors, "occurrences": count, "business_date": hit.business_date,
            "first_seen_at": hit.occurred_at, "last_seen_at": hit.occurred_at, "case_id": None}


async def raise_one(session: AsyncSession, *, rule: Rule, user_id: int, key: str,
                    amount_minor: int, factors: list[dict[str, Any]], today: date,
                    now: datetime) -> None:
    """An alert not from an activity (a watch-list hit, a held payout)."""
    await raise_many(session, [Hit(rule=rule, user_id=user_id, dedup_key=f"{rule.code}:{key}",
                                   amount_minor=amount_minor, business_date=today,
                                   occurred_at=now, factors=factors)], now=now)
