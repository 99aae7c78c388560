"""Rules as data: the built-in rule set (stored on first use, then changed only through
``update``), each change a new version kept in ``risk_rule_version`` and audited, snoozes per
customer.

Rules are read on every evaluation, so a process keeps them for ``CACHE_SECONDS`` (a change
made by this process is seen at once; one made elsewhere within that time).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core import bulk_rows
from finplat.core.errors import NotFound, field_error
from finplat.core.statements import insert_unless_taken
from finplat.risk.evaluators import EVALUATORS, SEVERITIES, Rule
from finplat.risk.models import RiskRule, RiskRuleVersion, RiskSnooze

CACHE_SECONDS = 5.0
CASH = ["deposit", "withdrawal"]
TRANSFERS = ["investment", "payout", "loan_prepaid"]

# Synchronous (blocking) kinds: evaluated by ``service.check_blocking`` before a payout.
BLOCKING_KINDS = frozenset({"hold_amount", "hold_disbursement", "hold_dormant",
                            "hold_watchlist"})

# code -> (kind, severity, parameters). Figures from REGULATORY.md "AML" (fen).
BUILT_IN: dict[str, tuple[str, str, dict[str, Any]]] = {
    "large_value_cash": ("large_value", "medium",
                         {"threshold_minor": 5_000_000, "kinds": CASH}),
    "large_value_transfer": ("large_value", "medium",
                             {"threshold_minor": 50_000_000, "kinds": TRANSFERS}),
    "structuring": ("structuring", "high",
                    {"threshold_minor": 5_000_000, "band_pct": 10, "min_count": 2,
                     "window_days": 7}),
    "rapid_in_out": ("rapid_in_out", "high",
                     {"window_days": 14, "ratio_pct": 80, "min_amount_minor": 1_000_000}),
    "dormant_reactivated": ("dormant_reactivated", "medium",
                            {"idle_days": 180, "min_amount_minor": 0}),
    "velocity_day": ("velocity_day", "low", {"per_day": 3}),
    "velocity_streak": ("velocity_streak", "low", {"consecutive_days": 3}),
    "shared_device": ("shared_device", "high", {"max_users": 3}),
    "shared_card": ("shared_card", "high", {"max_users": 2}),
    "login_new_device": ("login_new_device", "low", {}),
    "login_failures": ("login_failures", "medium", {"failures": 3}),
    "early_payoff": ("early_payoff", "medium", {"income_months": 6}),
    "hold_large_withdrawal": ("hold_amount", "high",
                              {"threshold_minor": 5_000_000, "kinds": ["withdrawal"]}),
    "hold_large_disbursement": ("hold_disbursement", "high",
                                {"threshold_minor": 50_000_000,
                                 "company_threshold_minor": 200_000_000}),
    "hold_dormant_withdrawal": ("hold_dormant", "high", {"idle_days": 180}),
    "hold_watchlist": ("hold_watchlist", "critical", {}),
}
# Parameters each kind needs, with their types: an edit must keep them.
_PARAMETER_TYPES: dict[str, dict[str, type]] = {
    kind: {name: type(value) for name, value in params.items()}
    for kind, _severity, params in BUILT_IN.values()
}

_cache: tuple[float, list[Rule]] | None = None


def forget_cache() -> None:
    global _cache
    _cache = None


def _rule(row: RiskRule) -> Rule:
    return Rule(code=row.code, kind=row.kind, enabled=row.enabled, severity=row.severity,
                parameters=dict(row.parameters), version=row.version)


async def ensure_built_in(session: AsyncSession, *, now: datetime) -> None:
    """Store each built-in rule missing from the table (version 1), leaving changed ones."""
    present = set((await session.scalars(select(RiskRule.code))).all())
    for code, (kind, severity, params) in BUILT_IN.items():
        if code in present:
            continue
        values = {"code": code, "kind": kind, "enabled": True, "severity": severity,
                  "parameters": params, "version": 1, "updated_at": now, "updated_by": None}
        await insert_unless_taken(session, RiskRule, values)


async def active(session: AsyncSession, *, now: datetime) -> list[Rule]:
    """Every rule (cached for ``CACHE_SECONDS``), the built-in ones stored first if missing."""
    global _cache
    if _cache is not None and time.monotonic() - _cache[0] < CACHE_SECONDS:
        return _cache[1]
    rows = (await session.scalars(select(RiskRule).order_by(RiskRule.id))).all()
    if len(rows) < len(BUILT_IN):
        await ensure_built_in(session, now=now)
        rows = (await session.scalars(select(RiskRule).order_by(RiskRule.id))).all()
    rules = [_rule(row) for row in rows]
    _cache = (time.monotonic(), rules)
    return rules


def _checked_parameters(kind: str, parameters: dict[str, Any]) -> dict[str, Any]:
    expected = _PARAMETER_TYPES.get(kind, {})
    if set(parameters) != set(expected):
        raise field_error("parameters", f"must have exactly {sorted(expected)}",
                          code="risk.rule_parameters_invalid")
    for name, kind_type in expected.items():
        value = parameters[name]
        ok = isinstance(value, kind_type) and not isinstance(value, bool)
        if kind_type is list:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        if not ok or (kind_type is int and not 0 <= value <= 10**13):
            raise field_error("parameters", f"{name} must be a {kind_type.__name__} in range",
                              code="risk.rule_parameters_invalid")
    return parameters


async def update_rule(session: AsyncSession, *, code: str, enabled: bool | None,
                      severity: str | None, parameters: dict[str, Any] | None,
                      actor_id: int, now: datetime) -> Rule:
    """Change a rule: a new version (the old one kept), audited. Raises
    ``NotFound('risk.rule_not_found')``, ``InvalidInput('risk.rule_parameters_invalid')``."""
    await ensure_built_in(session, now=now)
    row = await session.scalar(select(RiskRule).where(RiskRule.code == code).with_for_update())
    if row is None:
        raise NotFound("risk.rule_not_found", "no such rule")
    if severity is not None and severity not in SEVERITIES:
        raise field_error("severity", f"one of {', '.join(SEVERITIES)}")
    before = {"enabled": row.enabled, "severity": row.severity, "parameters": row.parameters,
              "version": row.version}
    session.add(RiskRuleVersion(rule_code=row.code, version=row.version, enabled=row.enabled,
                                severity=row.severity, parameters=row.parameters,
                                changed_at=row.updated_at, changed_by=row.updated_by))
    new_parameters = row.parameters if parameters is None else _checked_parameters(row.kind,
                                                                                  parameters)
    await session.execute(update(RiskRule).where(RiskRule.id == row.id).values(
        enabled=row.enabled if enabled is None else enabled,
        severity=severity or row.severity, parameters=new_parameters,
        version=row.version + 1, updated_at=now, updated_by=actor_id))
    await session.refresh(row)
    await audit_service.record(session, action="risk.rule_changed", target_type="risk_rule",
                               target_id=row.code, now=now, actor_id=actor_id,
                               summary={"before": before, "after": {
                                   "enabled": row.enabled, "severity": row.severity,
                                   "parameters": row.parameters, "version": row.version}})
    forget_cache()
    return _rule(row)


async def versions(session: AsyncSession, *, code: str) -> list[RiskRuleVersion]:
    return list((await session.scalars(
        select(RiskRuleVersion).where(RiskRuleVersion.rule_code == code)
        .order_by(RiskRuleVersion.version.desc()).limit(100))).all())


async def snooze(session: AsyncSession, *, code: str, user_id: int, until_at: datetime,
                 reason: str, actor_id: int, now: datetime) -> RiskSnooze:
    """Silence rule ``code`` for one customer until ``until_at`` (replacing an earlier
    snooze), audited. Raises ``NotFound('risk.rule_not_found')``,
    ``InvalidInput('risk.snooze_in_past')``."""
    if code not in {rule.code for rule in await active(session, now=now)} and code not in BUILT_IN:
        raise NotFound("risk.rule_not_found", "no such rule")
    if until_at <= now:
        raise field_error("until_at", "must be in the future", code="risk.snooze_in_past")
    row = await session.scalar(select(RiskSnooze).where(
        RiskSnooze.rule_code == code, RiskSnooze.user_id == user_id).with_for_update())
    if row is None:
        row = RiskSnooze(rule_code=code, user_id=user_id, until_at=until_at, reason=reason,
                         created_by=actor_id, created_at=now)
        session.add(row)
    else:
        row.until_at, row.reason, row.created_by, row.created_at = until_at, reason, actor_id, now
    await session.flush()
    await audit_service.record(session, action="risk.rule_snoozed", target_type="risk_rule",
                               target_id=code, now=now, actor_id=actor_id,
                               summary={"user_id": user_id, "until_at": until_at.isoformat()})
    return row


async def snoozed_codes(session: AsyncSession, user_ids: set[int], *,
                        now: datetime) -> dict[int, set[str]]:
    """The rules snoozed right now for each of ``user_ids``."""
    if not user_ids:
        return {}
    rows = (await session.execute(select(RiskSnooze.user_id, RiskSnooze.rule_code).where(
        bulk_rows.one_of(session, RiskSnooze.user_id, user_ids),
        RiskSnooze.until_at > now))).all()
    found: dict[int, set[str]] = {}
    for user_id, code in rows:
        found.setdefault(user_id, set()).add(code)
    return found


def is_monitoring(rule: Rule) -> bool:
    return rule.kind in EVALUATORS
