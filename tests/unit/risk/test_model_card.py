"""The console's model card and drift views: the same PSI as ``finplat risk psi``."""

from __future__ import annotations

from finplat.risk import model_card
from finplat.risk.scorecard import drift
from finplat.risk.scorecard import model as model_rules
from tests.integration.risk.test_model_card import RISKY, SAFE


def test_drift_view_is_the_psi_commands_report() -> None:
    card = model_rules.load_default()
    rows = [SAFE, SAFE, RISKY, {**SAFE, "monthly_income": None, "dependents": None}]
    view = model_card.drift_view(card, rows)
    report = drift.report(drift.training_distributions(card), drift.distributions(card, rows))
    assert view["score"]["psi"] == report["score"]
    assert {f["name"]: f["psi"] for f in view["features"]} == report["features"]
    assert view["status"] == report["status"]
    income = next(f for f in view["features"] if f["name"] == "monthly_income")
    assert next(b for b in income["buckets"] if b["key"] == "missing")["actual"] == 0.25
    assert sum(b["actual"] for b in income["buckets"]) == 1.0


def test_status_bands() -> None:
    assert [model_card._status(v) for v in (None, 0.0, 0.0999, 0.1, 0.25, 0.2501)] == [
        "no_data", "stable", "stable", "watch", "shifted", "shifted"]


def test_the_card_lists_every_bin_of_every_feature() -> None:
    card = model_rules.load_default()
    view = model_card.card_view(card)
    assert len(view["features"]) == len(card.features) == 11
    for feature, shown in zip(card.features, view["features"], strict=True):
        extra = sum(feature[k] is not None for k in ("special", "missing"))
        assert len(shown["bins"]) == len(feature["bins"]) + extra
    assert view["training"]["trained_on"] == "2026-12-03"
