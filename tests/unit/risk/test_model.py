"""The shipped scorecard: scoring with the standard library, grades, reasons, limits."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from finplat.identity.identifiers import make_resident_id
from finplat.risk import applicant, bureau
from finplat.risk.scorecard import features, model, score

GOOD = {
    "revolving_utilization": 0.05, "age": 60, "past_due_30_59": 0, "debt_ratio": 0.2,
    "monthly_income": 9000, "open_credit_lines": 8, "past_due_90": 0, "real_estate_loans": 1,
    "past_due_60_89": 0, "dependents": 0,
}
RISKY = {**GOOD, "revolving_utilization": 0.95, "past_due_30_59": 2, "past_due_60_89": 1,
         "age": 30, "dependents": 3}


def test_the_shipped_model_scores_a_known_applicant() -> None:
    decision = score(GOOD)
    assert (decision.score, decision.grade) == (622, "A")
    assert decision.model_version == model.DEFAULT_MODEL_VERSION
    assert decision.inputs["monthly_income"] == 9000.0
    assert decision.annual_rate == "0.072"
    assert decision.limit_minor(monthly_income_minor=900_000, cap_minor=20_000_000) == 10_800_000
    assert decision.limit_minor(monthly_income_minor=9_000_000, cap_minor=20_000_000) == 20_000_000


def test_reason_codes_name_the_worst_factors_in_both_languages() -> None:
    decision = score(RISKY)
    assert (decision.score, decision.grade) == (512, "E")
    assert [reason.code for reason in decision.reasons] == [
        "total_past_due", "revolving_utilization", "age"
    ]
    lost = [reason.points_lost for reason in decision.reasons]
    assert lost == sorted(lost, reverse=True) and lost[0] > 0
    assert decision.reasons[0].zh == "有逾期还款记录"
    assert decision.reasons[0].en == "You have paid late before"
    assert decision.limit_minor(monthly_income_minor=900_000, cap_minor=20_000_000) == 0
    assert decision.annual_rate is None  # declined


def test_the_score_is_base_points_plus_the_bins_points() -> None:
    card = model.load_default()
    decision = card.score(RISKY)
    assert decision.score == card.base_points + sum(decision.points.values())
    assert set(decision.points) == set(features.FEATURE_NAMES)


def test_special_codes_and_missing_values_land_in_their_bins() -> None:
    card = model.load_default()
    by_name = {feature["name"]: feature for feature in card.features}
    derived = features.derive({**GOOD, "past_due_90": 98, "monthly_income": None,
                               "dependents": None})
    assert derived["total_past_due"] == 96.0  # the special marker carries over
    assert derived["debt_ratio"] is None  # without income the data's ratio is the payments
    assert derived["monthly_debt"] == 0.2
    assert model.locate(by_name["past_due_90"], derived["past_due_90"])[0] == model.SPECIAL
    assert model.locate(by_name["total_past_due"], derived["total_past_due"])[0] == model.SPECIAL
    assert model.locate(by_name["monthly_income"], None)[0] == model.MISSING
    assert model.locate(by_name["dependents"], None)[0] == model.MISSING
    decision = card.score({**GOOD, "monthly_income": None})
    assert decision.reasons and decision.inputs["monthly_income"] is None


def test_outliers_are_capped_and_a_zero_age_is_missing() -> None:
    derived = features.derive({**GOOD, "revolving_utilization": 50708.0, "age": 0})
    assert derived["revolving_utilization"] == features.CAPS["revolving_utilization"]
    assert derived["age"] is None


def test_grades_follow_the_cut_offs() -> None:
    card = model.load_default()
    cut_offs = [tier["min_score"] for tier in card.grades]
    assert cut_offs[-1] is None
    assert cut_offs[:-1] == sorted(cut_offs[:-1], reverse=True)
    assert card.grade_for(cut_offs[0])["grade"] == "A"
    assert card.grade_for(cut_offs[0] - 1)["grade"] == "B"
    assert card.grade_for(0)["grade"] == "E"
    # The scaling: 600 points at odds 50:1, 20 points to double the odds.
    assert card.pd_for(600) == pytest.approx(1 / 51)
    assert card.pd_for(620) == pytest.approx(1 / 101)


def test_a_file_that_is_not_a_scorecard_is_refused(tmp_path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(model.ModelError):
        model.load(path)


def test_scoring_imports_neither_sklearn_nor_optbinning() -> None:
    code = (
        "import sys; from finplat.risk.scorecard import score;"
        "from tests.unit.risk.test_model import GOOD; score(GOOD);"
        "print(sorted(m for m in ('sklearn', 'optbinning', 'numpy', 'pandas') if m in sys.modules))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_an_application_maps_onto_the_models_inputs() -> None:
    id_number = make_resident_id("110105", date(1985, 3, 14), 17)
    report = bureau.simulate(id_number)
    inputs = applicant.applicant_inputs(
        id_number=id_number, today=date(2026, 12, 1), monthly_income_minor=1_200_000,
        dependents=1, monthly_debt_payments_minor=300_000, bureau=report,
    )
    assert set(inputs) == set(features.RAW_INPUTS)
    assert inputs["age"] == 41.0
    assert inputs["debt_ratio"] == 0.25
    assert inputs["monthly_income"] == 12_000.0
    assert inputs["past_due_90"] == float(report.past_due_90)
    decision = score(inputs)
    assert (decision.score, decision.grade) == (553, "E")
    undeclared = applicant.applicant_inputs(
        id_number=id_number, today=date(2026, 12, 1), monthly_income_minor=None,
        dependents=None, monthly_debt_payments_minor=300_000, bureau=report,
    )
    assert undeclared["monthly_income"] is None and undeclared["debt_ratio"] == 3000.0
