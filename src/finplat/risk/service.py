"""What other packages ask risk control inside their own use cases.

``check_blocking`` runs the blocking rules synchronously, in the caller's transaction, before a
payout takes effect (a withdrawal now; a loan disbursement or a large transfer the same way):
one statement reads the customer's standing (their last movement, today's total of the kind,
their screening), the rules come from the per-process cache. A hit means the caller creates
its payout held for review and calls ``hold_for_review``; an officer then decides
(``finplat.risk.reviews``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import Histogram
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import business_date
from finplat.core.prebuilt import Prebuilt
from finplat.events import service as events_service
from finplat.risk import alerts, rules
from finplat.risk.evaluators import Rule
from finplat.risk.events import PayoutHeld
from finplat.risk.models import RiskActivity, RiskReview, RiskScreening

PENDING = "pending"
LOAN_DISBURSEMENT = "loan_disbursement"
# Plain words for the customer, per blocking kind: why their money waits (never naming a
# watch list: that would tip off).
REASONS: dict[str, tuple[str, str]] = {
    "hold_amount": (
        "大额提现需要风控人员人工审核，审核期间资金为您保留，通常在一个工作日内完成。",
        "Large withdrawals are checked by our risk team; the money stays reserved for you "
        "meanwhile, usually for no more than one business day.",
    ),
    "hold_disbursement": (
        "大额放款需要风控人员人工审核，审核期间出借人的资金保持冻结，通常在一个工作日内完成。",
        "Large loan payouts are checked by our risk team; the lenders' money stays reserved "
        "meanwhile, usually for no more than one business day.",
    ),
    "hold_dormant": (
        "账户长期未使用后的首笔提现需要核实，审核期间资金为您保留。",
        "Your account was not used for a long time, so we check this withdrawal before paying "
        "it out; the money stays reserved for you meanwhile.",
    ),
    "hold_watchlist": (
        "这笔提现需要进行合规核查，核查期间资金为您保留。",
        "This withdrawal needs a compliance check; the money stays reserved for you until it "
        "is done.",
    ),
}


@dataclass(frozen=True, slots=True)
class Standing:
    last_money_at: datetime | None
    today_minor: int
    screening: str | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The blocking rules that hit (empty: go ahead)."""

    rules: list[Rule] = field(default_factory=list)
    factors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.rules)

    @property
    def rule_codes(self) -> list[str]:
        return [rule.code for rule in self.rules]

    def public(self) -> dict[str, Any]:
        """What the customer is told: the first reason, in Chinese and English."""
        zh, en = REASONS[self.rules[0].kind]
        return {"status": PENDING, "reason_zh": zh, "reason_en": en}


def _standing_statement() -> Any:
    activity = RiskActivity
    user_id: Any = bindparam("user_id")
    last = (select(func.max(activity.occurred_at))
            .where(activity.user_id == user_id, activity.direction != "none")
            .scalar_subquery())
    today = (select(func.coalesce(func.sum(activity.amount_minor), 0))
             .where(and_(activity.user_id == user_id, activity.kind == bindparam("kind"),
                         activity.business_date == bindparam("business_date")))
             .scalar_subquery())
    screening = (select(RiskScreening.status).where(RiskScreening.user_id == user_id)
                 .scalar_subquery())
    return select(last, today, screening)


# Built once, values as parameters: it runs on every withdrawal, and building a statement per
# call costs more CPU than its round trip.
_STANDING = Prebuilt(_standing_statement())


async def _standing(session: AsyncSession, *, kind: str, user_id: int,
                    now: datetime) -> Standing:
    row = await _STANDING.first(session, {"user_id": user_id, "kind": kind,
                                          "business_date": business_date(now)})
    assert row is not None, "a SELECT without FROM gives one row"
    return Standing(last_money_at=row[0], today_minor=int(row[1] or 0), screening=row[2])


def _blocks(rule: Rule, *, kind: str, amount_minor: int, standing: Standing,
            now: datetime, company: bool) -> dict[str, Any] | None:
    """The factor that makes ``rule`` hold the payout, None when it does not."""
    if rule.kind == "hold_amount":
        total = standing.today_minor + amount_minor
        threshold = int(rule.param("threshold_minor"))
        if kind in rule.param("kinds") and total >= threshold:
            return {"factor": "amount_vs_threshold", "total_minor": total,
                    "threshold_minor": threshold, "amounts_minor": [amount_minor],
                    "weight": 0.9}
    elif rule.kind == "hold_disbursement" and kind == LOAN_DISBURSEMENT:
        threshold = int(rule.param("company_threshold_minor" if company else "threshold_minor"))
        if amount_minor >= threshold:
            return {"factor": "amount_vs_threshold", "total_minor": amount_minor,
                    "threshold_minor": threshold, "amounts_minor": [amount_minor],
                    "weight": 0.9}
    elif rule.kind == "hold_dormant" and standing.last_money_at is not None:
        idle_days = (now - standing.last_money_at).days
        if idle_days >= int(rule.param("idle_days")):
            return {"factor": "idle_days", "idle_days": idle_days, "weight": 0.8}
    elif rule.kind == "hold_watchlist" and standing.screening == "hit":
        return {"factor": "watchlist_match", "weight": 1.0}
    return None


# What the synchronous check adds to a payout's request, as the request lives it: its Python,
# its statement's round trip, and the turns of the event loop it waits for in between.
BLOCKING_CHECK_SECONDS = Histogram(
    "finplat_risk_blocking_check_seconds",
    "Time the blocking risk rules add to a payout inside its use case, by kind.",
    ["kind"],
    buckets=(0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25,
             0.5, 1.0),
)


async def check_blocking(session: AsyncSession, *, kind: str, user_id: int, amount_minor: int,
                         now: datetime, company: bool = False) -> Verdict:
    """The enabled blocking rules that hold this payout (``kind``: withdrawal,
    loan_disbursement, transfer), skipping those snoozed for the customer. ``company``: the
    payee is a company (its own large-value threshold). Reads only; raises nothing of its
    own. Its duration is observed in ``BLOCKING_CHECK_SECONDS``."""
    started = time.perf_counter()
    try:
        return await _check_blocking(session, kind=kind, user_id=user_id,
                                     amount_minor=amount_minor, now=now, company=company)
    finally:
        BLOCKING_CHECK_SECONDS.labels(kind).observe(time.perf_counter() - started)


async def _check_blocking(session: AsyncSession, *, kind: str, user_id: int, amount_minor: int,
                          now: datetime, company: bool) -> Verdict:
    blocking = [r for r in await rules.active(session, now=now)
                if r.enabled and r.kind in rules.BLOCKING_KINDS]
    if not blocking:
        return Verdict()
    standing = await _standing(session, kind=kind, user_id=user_id, now=now)
    hits = [(rule, factor) for rule in blocking
            if (factor := _blocks(rule, kind=kind, amount_minor=amount_minor,
                                  standing=standing, now=now, company=company)) is not None]
    if hits:  # rare: only then is the customer's snooze list worth a statement
        silenced = (await rules.snoozed_codes(session, {user_id}, now=now)).get(user_id, set())
        hits = [(rule, factor) for rule, factor in hits if rule.code not in silenced]
    return Verdict(rules=[rule for rule, _f in hits], factors=[f for _r, f in hits])


async def hold_for_review(session: AsyncSession, *, kind: str, subject_id: int, user_id: int,
                          amount_minor: int, currency: str, verdict: Verdict,
                          now: datetime) -> int:
    """Record that the payout ``kind``/``subject_id`` (its money already held by the caller)
    waits for an officer: the review, an alert for the queue, the event. Returns the
    review's id."""
    review = RiskReview(kind=kind, subject_id=subject_id, user_id=user_id,
                        amount_minor=amount_minor, currency=currency,
                        rule_codes=verdict.rule_codes, status=PENDING, created_at=now)
    session.add(review)
    await session.flush()
    await alerts.raise_one(session, rule=verdict.rules[0], user_id=user_id,
                           key=f"{kind}:{subject_id}", amount_minor=amount_minor,
                           factors=verdict.factors, today=business_date(now), now=now)
    await events_service.record(
        session, PayoutHeld(review_id=review.id, kind=kind, subject_id=subject_id,
                            user_id=user_id, amount_minor=amount_minor,
                            rule_codes=verdict.rule_codes),
        target_type="risk_review", target_id=review.id, now=now, actor_id=user_id)
    return review.id
