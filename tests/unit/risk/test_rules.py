"""Each built-in monitoring rule fires on its pattern and stays quiet just below it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from finplat.core.clock import business_date
from finplat.risk import rules
from finplat.risk.evaluators import EVALUATORS, Activity, Customer, Hit, Rule, World

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
_ids = count(1)


def rule(code: str, **overrides: Any) -> Rule:
    kind, severity, params = rules.BUILT_IN[code]
    return Rule(code=code, kind=kind, enabled=True, severity=severity,
                parameters={**params, **overrides}, version=1)


def act(kind: str, amount: int = 0, *, at: datetime = NOW, user: int = 1, **facts: Any) -> Activity:
    direction = {"deposit": "in", "payout": "in", "withdrawal": "out", "investment": "out",
                 "loan_prepaid": "out"}.get(kind, "none")
    return Activity(source=f"t:{next(_ids)}", user_id=user, kind=kind, direction=direction,
                    amount_minor=amount, currency="CNY", occurred_at=at,
                    business_date=business_date(at), **facts)


def run(code: str, activity: Activity, history: list[Activity] = (), world: World | None = None,
        customer: Customer | None = None, **overrides: Any) -> Hit | None:
    the_rule = rule(code, **overrides)
    customer = customer or Customer(history=list(history))
    return EVALUATORS[the_rule.kind](the_rule, activity, customer, world or World())


def test_large_value_cash_is_cumulative_per_day_and_inclusive() -> None:
    morning = act("deposit", 3_000_000, at=NOW - timedelta(hours=1))
    hit = run("large_value_cash", act("deposit", 2_000_000), [morning])
    assert hit is not None and hit.amount_minor == 5_000_000
    assert hit.factors[0]["factor"] == "amount_vs_threshold"
    assert run("large_value_cash", act("deposit", 1_999_999), [morning]) is None
    # the other direction is counted apart
    assert run("large_value_cash", act("withdrawal", 2_000_000), [morning]) is None
    # yesterday (Shanghai) does not count
    yesterday = act("deposit", 3_000_000, at=NOW - timedelta(days=1))
    assert run("large_value_cash", act("deposit", 2_000_000), [yesterday]) is None


def test_large_value_transfer_uses_its_own_threshold() -> None:
    assert run("large_value_transfer", act("investment", 50_000_000)) is not None
    assert run("large_value_transfer", act("investment", 49_999_999)) is None
    assert run("large_value_transfer", act("deposit", 60_000_000)) is None


def test_structuring_needs_repeated_amounts_just_under_the_threshold() -> None:
    first = act("deposit", 4_900_000, at=NOW - timedelta(days=2))
    hit = run("structuring", act("deposit", 4_950_000), [first])
    assert hit is not None and hit.factors[0]["count"] == 2
    assert run("structuring", act("deposit", 4_950_000)) is None  # once is not repeated
    below_band = act("deposit", 4_499_999, at=NOW - timedelta(days=2))
    assert run("structuring", act("deposit", 4_950_000), [below_band]) is None
    too_old = act("deposit", 4_900_000, at=NOW - timedelta(days=8))
    assert run("structuring", act("deposit", 4_950_000), [too_old]) is None


def test_rapid_in_out_fires_at_the_ratio() -> None:
    money_in = act("deposit", 2_000_000, at=NOW - timedelta(days=3))
    assert run("rapid_in_out", act("withdrawal", 1_600_000), [money_in]) is not None
    assert run("rapid_in_out", act("withdrawal", 1_599_999), [money_in]) is None
    small_in = act("deposit", 999_999, at=NOW - timedelta(days=3))
    assert run("rapid_in_out", act("withdrawal", 999_999), [small_in]) is None
    old_in = act("deposit", 2_000_000, at=NOW - timedelta(days=15))
    assert run("rapid_in_out", act("withdrawal", 2_000_000), [old_in]) is None


def test_dormant_account_reactivated_after_idle_days() -> None:
    old = Customer(last_money_before_window_at=NOW - timedelta(days=180))
    assert run("dormant_reactivated", act("deposit", 100), customer=old) is not None
    recent = Customer(last_money_before_window_at=NOW - timedelta(days=179, hours=23))
    assert run("dormant_reactivated", act("deposit", 100), customer=recent) is None
    assert run("dormant_reactivated", act("deposit", 100), customer=Customer()) is None


def test_velocity_three_a_day_and_three_consecutive_days() -> None:
    today = [act("deposit", 100, at=NOW - timedelta(hours=h)) for h in (1, 2)]
    assert run("velocity_day", act("deposit", 100), today) is not None
    assert run("velocity_day", act("deposit", 100), today[:1]) is None
    days = [act("deposit", 100, at=NOW - timedelta(days=d)) for d in (1, 2)]
    hit = run("velocity_streak", act("deposit", 100), days)
    assert hit is not None and hit.factors[0]["days"] == 3
    gap = [act("deposit", 100, at=NOW - timedelta(days=d)) for d in (1, 3)]
    assert run("velocity_streak", act("deposit", 100), gap) is None


def test_many_users_on_one_device_or_card() -> None:
    world = World(linked_users={("device", "d1"): {2, 3}, ("card", "c1"): {2}})
    assert run("shared_device", act("login", device="d1"), world=world) is not None
    assert run("shared_device", act("login", device="d1"),
               world=World(linked_users={("device", "d1"): {2}})) is None
    assert run("shared_card", act("kyc", card="c1"), world=world) is not None
    assert run("shared_card", act("kyc", card="c2"), world=world) is None


def test_login_anomalies() -> None:
    known = Customer(devices={"d1"})
    assert run("login_new_device", act("login", device="d2"), customer=known) is not None
    assert run("login_new_device", act("login", device="d1"), customer=known) is None
    assert run("login_new_device", act("login", device="d2"), customer=Customer()) is None
    assert run("login_failures", act("login_failed", failures=3)) is not None
    assert run("login_failures", act("login_failed", failures=2)) is None


def test_early_payoff_against_declared_income() -> None:
    hit = run("early_payoff", act("loan_prepaid", 6_000_000, declared_income_minor=1_000_000))
    assert hit is not None and hit.factors[0]["months_of_income"] == 6.0
    assert run("early_payoff", act("loan_prepaid", 5_999_999,
                                   declared_income_minor=1_000_000)) is None


def test_factors_say_how_far_from_usual() -> None:
    usual = [act("deposit", 10_000, at=NOW - timedelta(days=d)) for d in (20, 30, 40)]
    usual.append(act("deposit", 12_000, at=NOW - timedelta(days=50)))
    hit = run("large_value_cash", act("deposit", 5_000_000), usual)
    assert hit is not None
    deviation = next(f for f in hit.factors if f["factor"] == "deviation_from_usual")
    assert deviation["usual_mean_minor"] == 10_500 and deviation["sigma"] > 100


@pytest.mark.parametrize("code", [c for c, (k, _s, _p) in rules.BUILT_IN.items()
                                  if k not in rules.BLOCKING_KINDS])
def test_every_monitoring_rule_has_an_evaluator(code: str) -> None:
    assert rules.BUILT_IN[code][0] in EVALUATORS
