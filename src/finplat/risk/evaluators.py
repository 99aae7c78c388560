"""The built-in rule evaluators, pure: an activity and what is known of its customer in, a hit
or nothing out. Which evaluators run, with which parameters and severity, is data
(``risk_rule``, see ``finplat.risk.rules``); nothing here reads the database or the clock.

Thresholds are inclusive (REGULATORY.md "AML": "≥ 5万"); windows are counted in business days
(Asia/Shanghai) for per-day rules and in elapsed days for the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

MONEY_KINDS = frozenset({"deposit", "withdrawal", "investment", "payout", "loan_prepaid"})
SEVERITIES = ("low", "medium", "high", "critical")
MAX_FACTORS = 3
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Activity:
    """One movement or login, as monitoring sees it (stored in ``risk_activity``; ``device``,
    ``card``, ``failures`` and ``declared_income_minor`` are facts of the event only)."""

    source: str
    user_id: int
    kind: str
    direction: str  # in | out | none
    amount_minor: int
    currency: str
    occurred_at: datetime
    business_date: date
    channel: str | None = None
    counterparty: str | None = None
    reference: str | None = None
    device: str | None = None
    card: str | None = None
    failures: int = 0
    declared_income_minor: int | None = None


@dataclass(slots=True)
class Customer:
    """What evaluation knows of one customer: recent activity (oldest first), the instant of
    the last money movement before that window, devices seen.

    The money movements of ``history`` are also kept apart, and by business date, so that an
    evaluator reads the few it needs instead of filtering the whole history on every event:
    change ``history`` only through ``add`` and ``keep``."""

    history: list[Activity] = field(default_factory=list)
    last_money_before_window_at: datetime | None = None
    devices: set[str] = field(default_factory=set)
    movements: list[Activity] = field(default_factory=list, init=False, repr=False)
    by_day: dict[date, list[Activity]] = field(default_factory=dict, init=False, repr=False)
    amounts_by_kind: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)
    latest_movement_at: datetime | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.keep(self.history)

    def add(self, activity: Activity) -> None:
        self.history.append(activity)
        if activity.kind in MONEY_KINDS:
            self.movements.append(activity)
            self.by_day.setdefault(activity.business_date, []).append(activity)
            self.amounts_by_kind.setdefault(activity.kind, []).append(activity.amount_minor)
            if self.latest_movement_at is None or activity.occurred_at > self.latest_movement_at:
                self.latest_movement_at = activity.occurred_at

    def keep(self, activities: list[Activity]) -> None:
        """Replace the history by ``activities`` (oldest first)."""
        kept = list(activities)
        self.history, self.movements, self.by_day, self.amounts_by_kind = [], [], {}, {}
        self.latest_movement_at = None
        for activity in kept:
            self.add(activity)

    def money(self) -> list[Activity]:
        return self.movements

    def money_on(self, day: date) -> list[Activity]:
        return self.by_day.get(day, [])

    def last_money_at(self) -> datetime | None:
        before, latest = self.last_money_before_window_at, self.latest_movement_at
        if before is None or (latest is not None and latest > before):
            return latest
        return before


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    kind: str
    enabled: bool
    severity: str
    parameters: dict[str, Any]
    version: int

    def param(self, name: str) -> Any:
        return self.parameters[name]


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    user_id: int
    dedup_key: str
    amount_minor: int
    business_date: date
    occurred_at: datetime
    factors: list[dict[str, Any]]


@dataclass(slots=True)
class World:
    """Facts across customers: the users seen with each device or card fingerprint."""

    linked_users: dict[tuple[str, str], set[int]] = field(default_factory=dict)


Evaluator = Callable[[Rule, Activity, Customer, World], Hit | None]


def usual_behaviour(activity: Activity, customer: Customer) -> dict[str, Any] | None:
    """How far ``activity``'s amount is from the customer's usual amounts of its kind
    (standard deviations from the mean of the history), None without enough history."""
    amounts = customer.amounts_by_kind.get(activity.kind, ())
    if len(amounts) < 3:
        return None
    mean = sum(amounts) / len(amounts)
    spread = math.sqrt(sum((x - mean) ** 2 for x in amounts) / len(amounts)) or 1.0
    sigma = (activity.amount_minor - mean) / spread
    return {"factor": "deviation_from_usual", "usual_mean_minor": round(mean),
            "sigma": round(sigma, 2), "weight": min(abs(sigma) / 5, 1.0)}


def _hit(rule: Rule, activity: Activity, key: str, amount_minor: int, customer: Customer,
         factors: list[dict[str, Any]]) -> Hit:
    usual = usual_behaviour(activity, customer)
    ranked = sorted([*factors, *([usual] if usual else [])],
                    key=lambda f: -float(f.get("weight", 0)))
    return Hit(rule=rule, user_id=activity.user_id, dedup_key=f"{rule.code}:{key}"[:160],
               amount_minor=amount_minor, business_date=activity.business_date,
               occurred_at=activity.occurred_at, factors=ranked[:MAX_FACTORS])


def _threshold_factor(total: int, threshold: int, amounts: list[int]) -> dict[str, Any]:
    return {"factor": "amount_vs_threshold", "total_minor": total, "threshold_minor": threshold,
            "amounts_minor": amounts[-10:], "weight": 0.9}


def _within(customer: Customer, activity: Activity, days: int) -> list[Activity]:
    since = activity.occurred_at - timedelta(days=days)
    return [a for a in customer.money() if since <= a.occurred_at <= activity.occurred_at]


def large_value(rule: Rule, a: Activity, c: Customer, _w: World) -> Hit | None:
    """Same-day cumulative amount per customer and direction at or above the threshold."""
    kinds = rule.param("kinds")
    if a.kind not in kinds:
        return None
    threshold = int(rule.param("threshold_minor"))
    same_day = [x.amount_minor for x in c.money_on(a.business_date) if x.kind in kinds
                and x.direction == a.direction]
    amounts = [*same_day, a.amount_minor]
    total = sum(amounts)
    if total < threshold:
        return None
    return _hit(rule, a, f"{a.user_id}:{a.business_date}:{a.direction}", total, c,
                [_threshold_factor(total, threshold, amounts)])


def structuring(rule: Rule, a: Activity, c: Customer, _w: World) -> Hit | None:
    """Repeated amounts just under a threshold (within ``band_pct`` below it) in one
    direction within ``window_days``."""
    threshold, band = int(rule.param("threshold_minor")), int(rule.param("band_pct"))
    low = threshold * (100 - band) // 100

    def near(x: Activity) -> bool:
        return x.direction == a.direction and low <= x.amount_minor < threshold

    if a.kind not in MONEY_KINDS or not near(a):
        return None
    amounts = [x.amount_minor for x in _within(c, a, int(rule.param("window_days"))) if near(x)]
    amounts.append(a.amount_minor)
    if len(amounts) < int(rule.param("min_count")):
        return None
    return _hit(rule, a, f"{a.user_id}:{a.direction}:{a.business_date}", sum(amounts), c,
                [{"factor": "repeated_just_under_threshold", "count": len(amounts),
                  "threshold_minor": threshold, "amounts_minor": amounts[-10:], "weight": 0.95}])


def rapid_in_out(rule: Rule, a: Activity, c: Customer, _w: World) -> Hit | None:
    """Money out within ``window_days`` of coming in: outflow at least ``ratio_pct`` of an
    inflow of at least ``min_amount_minor``."""
    if a.kind != "withdrawal":
        return None
    since, until = a.occurred_at - timedelta(days=int(rule.param("window_days"))), a.occurred_at
    inflow, outflow = 0, a.amount_minor
    for x in c.money():  # one pass: it runs on every withdrawal
        if since <= x.occurred_at <= until:
            if x.kind == "deposit":
                inflow += x.amount_minor
            elif x.kind == "withdrawal":
                outflow += x.amount_minor
    if inflow < int(rule.param("min_amount_minor")):
        return None
    if outflow * 100 < inflow * int(rule.param("ratio_pct")):
        return None
    return _hit(rule, a, f"{a.user_id}:{a.business_date}", outflow, c,
                [{"factor": "out_after_in", "inflow_minor": inflow, "outflow_minor": outflow,
                  "window_days": int(rule.param("window_days")), "weight": 0.9}])


def dormant_reactivated(rule: Rule, a: Activity, c: Customer, _w: World) -> Hit | None:
    """A money movement after at least ``idle_days`` without one."""
    if a.kind not in MONEY_KINDS or a.amount_minor < int(rule.param("min_amount_minor")):
        return None
    last = c.last_money_at()
    if last is None:
        return None
    idle_days = (a.occurred_at - last).days
    if idle_days < int(rule.param("idle_days")):
        return None
    return _hit(rule, a, f"{a.user_id}:{a.business_date}", a.amount_minor, c,
                [{"factor": "idle_days", "idle_days": idle_days, "last_active_at":
                  last.isoformat(), "weight": 0.8}])


def velocity_day(rule: Rule, a: Activity, c: Customer, _w: World) -> Hit | None:
    """At least ``per_day`` money movements in one business day."""
    if a.kind not in MONEY_KINDS:
        return None
    today = [x.amount_minor for x in c.money_on(a.business_date)]
    count = len(today) + 1
    if count < int(rule.param("per_day")):
        return None
    return _hit(rule, a, f"{a.user_id}:{a.business_date}", sum(today) + a.amount_minor, c,
                [{"factor": "movements_in_a_day", "count": count, "weight": 0.7}])


def velocity_streak(rule: Rule, a: Activity, c: Customer, _w: World) -> Hit | None:
    """Money movements on at least ``consecutive_days`` consecutive business days."""
    if a.kind not in MONEY_KINDS:
        return None
    start = a.business_date
    while start - ONE_DAY in c.by_day:
        start -= ONE_DAY
    length = (a.business_date - start).days + 1
    if length < int(rule.param("consecutive_days")):
        return None
    return _hit(rule, a, f"{a.user_id}:{start}", a.amount_minor, c,
                [{"factor": "consecutive_active_days", "days": length,
                  "since": start.isoformat(), "weight": 0.6}])


def _shared(kind: str, rule: Rule, a: Activity, w: World, fingerprint: str | None) -> Hit | None:
    if fingerprint is None:
        return None
    users = w.linked_users.get((kind, fingerprint), set()) | {a.user_id}
    if len(users) < int(rule.param("max_users")):
        return None
    return _hit(rule, a, f"{a.user_id}:{fingerprint[:32]}", a.amount_minor, Customer(),
                [{"factor": f"users_on_one_{kind}", "users": len(users),
                  "other_user_ids": sorted(users - {a.user_id})[:10], "weight": 0.85}])


def shared_device(rule: Rule, a: Activity, _c: Customer, w: World) -> Hit | None:
    """At least ``max_users`` customers logging in from one device."""
    return _shared("device", rule, a, w, a.device)


def shared_card(rule: Rule, a: Activity, _c: Customer, w: World) -> Hit | None:
    """At least ``max_users`` customers with one bank card bound."""
    return _shared("card", rule, a, w, a.card)


def login_new_device(rule: Rule, a: Activity, c: Customer, _w: World) -> Hit | None:
    """A login from a device the customer never used, once they have used others."""
    if a.kind != "login" or a.device is None or not c.devices or a.device in c.devices:
        return None
    return _hit(rule, a, f"{a.user_id}:{a.device[:32]}", 0, c,
                [{"factor": "new_device", "known_devices": len(c.devices), "weight": 0.6}])


def login_failures(rule: Rule, a: Activity, c: Customer, _w: World) -> Hit | None:
    """At least ``failures`` failed logins in identity's counting window."""
    if a.kind != "login_failed" or a.failures < int(rule.param("failures")):
        return None
    return _hit(rule, a, f"{a.user_id}:{a.business_date}", 0, c,
                [{"factor": "failed_logins", "count": a.failures, "weight": 0.7}])


def early_payoff(rule: Rule, a: Activity, c: Customer, _w: World) -> Hit | None:
    """A loan repaid early with at least ``income_months`` months of the declared income."""
    income = a.declared_income_minor
    if a.kind != "loan_prepaid" or not income or income <= 0:
        return None
    months = a.amount_minor / income
    if months < float(rule.param("income_months")):
        return None
    return _hit(rule, a, f"{a.user_id}:{a.source}", a.amount_minor, c,
                [{"factor": "prepaid_vs_income", "declared_monthly_income_minor": income,
                  "months_of_income": round(months, 1), "weight": 0.9}])


EVALUATORS: dict[str, Evaluator] = {
    "large_value": large_value,
    "structuring": structuring,
    "rapid_in_out": rapid_in_out,
    "dormant_reactivated": dormant_reactivated,
    "velocity_day": velocity_day,
    "velocity_streak": velocity_streak,
    "shared_device": shared_device,
    "shared_card": shared_card,
    "login_new_device": login_new_device,
    "login_failures": login_failures,
    "early_payoff": early_payoff,
}


# The activity kinds each evaluator can fire on (each returns None at once for the others):
# ``evaluate`` skips the call. An evaluator missing here is called on every kind (large_value's
# kinds are a parameter; shared devices and cards come with any kind).
LOGINS = frozenset({"login"})
APPLIES_TO: dict[str, frozenset[str]] = {
    "structuring": MONEY_KINDS, "rapid_in_out": frozenset({"withdrawal"}),
    "dormant_reactivated": MONEY_KINDS, "velocity_day": MONEY_KINDS,
    "velocity_streak": MONEY_KINDS, "login_new_device": LOGINS,
    "login_failures": frozenset({"login_failed"}), "early_payoff": frozenset({"loan_prepaid"}),
}


def runnable(rules: Iterable[Rule], kind: str) -> list[tuple[Rule, Evaluator]]:
    """The enabled monitoring rules that can fire on an activity of ``kind``, each with its
    evaluator (worked out once per kind, not per activity)."""
    found = []
    for rule in rules:
        evaluator = EVALUATORS.get(rule.kind)
        applies = APPLIES_TO.get(rule.kind)
        if evaluator is not None and rule.enabled and (applies is None or kind in applies):
            found.append((rule, evaluator))
    return found


def run(runnable_rules: Iterable[tuple[Rule, Evaluator]], activity: Activity,
        customer: Customer, world: World, *, snoozed: Collection[str] = ()) -> list[Hit]:
    """The hits of ``runnable_rules`` (from ``runnable``) on ``activity``, the rules whose
    codes are ``snoozed`` skipped."""
    hits = []
    for rule, evaluator in runnable_rules:
        if snoozed and rule.code in snoozed:
            continue
        hit = evaluator(rule, activity, customer, world)
        if hit is not None:
            hits.append(hit)
    return hits


def evaluate(rules: Iterable[Rule], activity: Activity, customer: Customer, world: World,
             *, snoozed: Collection[str] = ()) -> list[Hit]:
    """Every enabled monitoring rule's hit on ``activity`` (snoozed rules skipped)."""
    return run(runnable(rules, activity.kind), activity, customer, world, snoozed=snoozed)
