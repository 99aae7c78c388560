"""The credit decision behind an application: the ``CreditScorer`` interface and its two
implementations (docs/LENDING.md "Credit decisions").

A scorer is pure: the application use case gathers its inputs (declared figures, the bureau's
report, the borrower's history on the platform) and stores what it returns with the application:
scorer name, model version, inputs (encrypted), score, grade, limit, rate and reason codes.
Reason codes are stable; ``reason_text`` words them in Chinese or English when they are read.

- ``ScorecardScorer`` (default): the trained scorecard of ``risk/`` on ``risk.applicant`` inputs.
- ``RuleScorer``: documented points on the declared debt ratio, income, dependants, the
  platform history and the bureau fields; it also decides every company application.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

from finplat.risk import applicant
from finplat.risk.bureau import BureauReport
from finplat.risk.scorecard import model as scorecard_model

RATE_TIERS = {"A": "T1", "B": "T2", "C": "T3", "D": "T4", "E": "T5"}
# Monthly income × multiplier = the limit, and the annual rate, per grade: the scorecard's
# grade table (risk/scorecard/policy.py), used by the rules too so both price alike.
GRADE_TERMS: dict[str, tuple[int, Decimal | None]] = {
    "A": (12, Decimal("0.072")),
    "B": (8, Decimal("0.084")),
    "C": (5, Decimal("0.096")),
    "D": (2, Decimal("0.114")),
    "E": (0, None),
}


@dataclass(frozen=True)
class PlatformHistory:
    """The borrower's record on this platform (lending tables)."""

    loans: int = 0
    paid_off: int = 0
    overdue_installments: int = 0
    written_off: int = 0


@dataclass(frozen=True)
class CreditRequest:
    borrower_kind: str
    id_number: str  # the applicant's (a company's: the applying representative's)
    today: date
    monthly_income_minor: int | None
    dependants: int | None
    monthly_debt_payments_minor: int
    bureau: BureauReport
    history: PlatformHistory
    cap_minor: int  # the outstanding cap: no limit above it


@dataclass(frozen=True)
class CreditDecision:
    score: int
    grade: str
    limit_minor: int
    rate_tier: str
    annual_rate: Decimal | None  # None: declined (grade E)
    reasons: tuple[str, ...]  # stable codes, worded by ``reason_text``
    scorer: str
    model_version: str
    inputs: dict[str, Any] = field(default_factory=dict)


class CreditScorer(Protocol):
    name: str

    def decide(self, request: CreditRequest) -> CreditDecision: ...


def _limit(grade: str, request: CreditRequest) -> int:
    multiplier = GRADE_TERMS[grade][0]
    income = request.monthly_income_minor or 0
    return max(0, min(multiplier * income, request.cap_minor))


@lru_cache
def _scorecard() -> scorecard_model.Scorecard:
    return scorecard_model.load_default()


class ScorecardScorer:
    """The trained scorecard (docs/RISK_MODEL.md); the platform history is not a feature of the
    model, so it is recorded with the inputs but does not move the score."""

    name = "scorecard"

    def decide(self, request: CreditRequest) -> CreditDecision:
        inputs = applicant.applicant_inputs(
            id_number=request.id_number,
            today=request.today,
            monthly_income_minor=request.monthly_income_minor,
            dependents=request.dependants,
            monthly_debt_payments_minor=request.monthly_debt_payments_minor,
            bureau=request.bureau,
        )
        decision = _scorecard().score(inputs)
        codes = tuple(_reason_code(reason) for reason in decision.reasons)
        grade = decision.grade
        return CreditDecision(
            score=decision.score,
            grade=grade,
            limit_minor=_limit(grade, request),
            rate_tier=RATE_TIERS[grade],
            annual_rate=None if decision.annual_rate is None else Decimal(decision.annual_rate),
            reasons=codes,
            scorer=self.name,
            model_version=decision.model_version,
            inputs={"features": inputs, "points": decision.points,
                    "history": request.history.__dict__},
        )


def _reason_code(reason: scorecard_model.Reason) -> str:
    """The feature's name, with ``.missing`` when what lowered the score is its absence."""
    for spec in _scorecard().features:
        if spec["name"] == reason.feature and reason.zh == spec["words"]["missing_reason_zh"]:
            return f"{reason.code}.missing"
    return reason.code


# The rule-based scorer's cut-offs (score at least) per grade, from A down; below D is E.
RULE_GRADES = (("A", 660), ("B", 620), ("C", 580), ("D", 540))
RULE_BASE = 600
RULES_VERSION = "rules-1.0"


def _rule_points(request: CreditRequest) -> list[tuple[str, int]]:
    """(reason code, points) of every rule that applies; negative points lower the score."""
    points: list[tuple[str, int]] = []
    income = request.monthly_income_minor
    debt = request.monthly_debt_payments_minor
    if not income:
        points.append(("rules.no_income", -60))
    else:
        ratio = debt / income
        if ratio < 0.3:
            points.append(("rules.low_debt_ratio", 40))
        elif ratio < 0.5:
            points.append(("rules.moderate_debt_ratio", 0))
        elif ratio < 0.7:
            points.append(("rules.high_debt_ratio", -40))
        else:
            points.append(("rules.very_high_debt_ratio", -90))
    if request.dependants is not None and request.dependants > 3:
        points.append(("rules.many_dependants", -10))
    history = request.history
    if history.paid_off:
        points.append(("rules.repaid_on_platform", min(history.paid_off, 3) * 10))
    if history.overdue_installments:
        points.append(("rules.overdue_on_platform", -60))
    if history.written_off:
        points.append(("rules.written_off_on_platform", -150))
    bureau = request.bureau
    if bureau.past_due_90:
        points.append(("rules.bureau_90_days_late", -100))
    if bureau.past_due_60_89:
        points.append(("rules.bureau_60_days_late", -50))
    if bureau.past_due_30_59:
        points.append(("rules.bureau_30_days_late", -15 * min(bureau.past_due_30_59, 4)))
    if bureau.revolving_utilization > 0.9:
        points.append(("rules.high_utilization", -40))
    elif bureau.revolving_utilization > 0.5:
        points.append(("rules.raised_utilization", -15))
    return points


class RuleScorer:
    """Points on documented rules (docs/LENDING.md): base 600, grade cut-offs 660/620/580/540;
    the reasons are the three rules that cost the most points."""

    name = "rules"

    def decide(self, request: CreditRequest) -> CreditDecision:
        points = _rule_points(request)
        score = RULE_BASE + sum(value for _code, value in points)
        grade = next((g for g, cut in RULE_GRADES if score >= cut), "E")
        lost = sorted((p for p in points if p[1] < 0), key=lambda p: p[1])[:3]
        return CreditDecision(
            score=score,
            grade=grade,
            limit_minor=_limit(grade, request),
            rate_tier=RATE_TIERS[grade],
            annual_rate=GRADE_TERMS[grade][1],
            reasons=tuple(code for code, _value in lost),
            scorer=self.name,
            model_version=RULES_VERSION,
            inputs={
                "monthly_income_minor": request.monthly_income_minor,
                "monthly_debt_payments_minor": request.monthly_debt_payments_minor,
                "dependants": request.dependants,
                "bureau": {k: v for k, v in request.bureau.__dict__.items()},
                "history": request.history.__dict__,
                "points": dict(points),
            },
        )


SCORERS: dict[str, CreditScorer] = {"scorecard": ScorecardScorer(), "rules": RuleScorer()}


def scorer_for(setting: str, borrower_kind: str) -> CreditScorer:
    """The scorer the setting names; companies always go to the rules."""
    if borrower_kind == "company":
        return SCORERS["rules"]
    return SCORERS[setting]


RULE_REASONS: dict[str, tuple[str, str]] = {
    "rules.no_income": ("未申报月收入", "No monthly income was declared"),
    "rules.low_debt_ratio": ("负债收入比低", "Your debt payments are low against your income"),
    "rules.moderate_debt_ratio": ("负债收入比适中", "Your debt payments are moderate"),
    "rules.high_debt_ratio": ("负债收入比较高", "Your debt payments are high against your income"),
    "rules.very_high_debt_ratio": ("负债收入比过高",
                                   "Your debt payments take most of your income"),
    "rules.many_dependants": ("供养人数较多", "You support many dependants"),
    "rules.repaid_on_platform": ("在本平台有按时还清的借款", "You repaid loans on this platform"),
    "rules.overdue_on_platform": ("在本平台有逾期记录", "You have been overdue on this platform"),
    "rules.written_off_on_platform": ("在本平台有核销的借款",
                                      "A loan of yours on this platform was written off"),
    "rules.bureau_90_days_late": ("征信记录有 90 天以上逾期",
                                  "Your credit report shows payments 90 days or more late"),
    "rules.bureau_60_days_late": ("征信记录有 60–89 天逾期",
                                  "Your credit report shows payments 60–89 days late"),
    "rules.bureau_30_days_late": ("征信记录有 30–59 天逾期",
                                  "Your credit report shows payments 30–59 days late"),
    "rules.high_utilization": ("信用卡等循环额度几乎用满",
                               "You use almost all of your credit card limits"),
    "rules.raised_utilization": ("信用卡等循环额度使用比例较高",
                                 "You use a large share of your credit card limits"),
}


def reason_text(code: str, language: str) -> str:
    """A reason code in ``zh`` or ``en``: a rule's, or a scorecard feature's (``.missing``:
    the information was not given); an unknown code reads as itself."""
    zh_wanted = language.startswith("zh")
    if code in RULE_REASONS:
        zh, en = RULE_REASONS[code]
        return zh if zh_wanted else en
    feature, _, missing = code.partition(".")
    for spec in _scorecard().features:
        if spec["name"] == feature:
            words = spec["words"]
            key = "missing_reason" if missing else "reason"
            return str(words[f"{key}_zh" if zh_wanted else f"{key}_en"])
    return code
