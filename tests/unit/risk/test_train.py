"""Training, evaluation and the drift check on a small generated file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finplat.cli import app
from finplat.risk.scorecard import dataset, model

pytest.importorskip("optbinning")


@pytest.fixture(scope="module")
def trained(credit_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "model.json"
    result = CliRunner().invoke(
        app, ["risk", "train", "--data", str(credit_csv), "--out", str(out), "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_training_is_reproducible_from_the_seed(trained: Path, credit_csv: Path) -> None:
    from finplat.risk.scorecard import train

    again = train.train(dataset.read(credit_csv), options=train.TrainingOptions(seed=3))
    assert model.dumps(again) == trained.read_text(encoding="utf-8")


def test_the_model_file_records_its_provenance(trained: Path, credit_csv: Path) -> None:
    document = json.loads(trained.read_text(encoding="utf-8"))
    assert document["training"]["data_sha256"] == dataset.sha256_of(credit_csv)
    assert document["training"]["seed"] == 3
    assert document["metrics"]["test"]["rows"] == 450  # 30 % held out, stratified
    assert document["metrics"]["test"]["auc"] > 0.7
    assert document["scaling"]["base_score"] == 600
    assert [grade["grade"] for grade in document["grades"]] == ["A", "B", "C", "D", "E"]


def test_the_training_date_is_recorded_only_when_given(trained: Path, credit_csv: Path,
                                                       tmp_path: Path) -> None:
    assert "trained_on" not in json.loads(trained.read_text(encoding="utf-8"))["training"]
    dated = tmp_path / "dated.json"
    result = CliRunner().invoke(app, ["risk", "train", "--data", str(credit_csv), "--out",
                                      str(dated), "--seed", "3", "--trained-on", "2026-12-03"])
    assert result.exit_code == 0, result.output
    document = json.loads(dated.read_text(encoding="utf-8"))
    assert document["training"]["trained_on"] == "2026-12-03"
    undated = dict(document, training={k: v for k, v in document["training"].items()
                                       if k != "trained_on"})
    assert model.dumps(undated) == trained.read_text(encoding="utf-8")


def test_special_codes_and_missing_values_have_their_own_bins(trained: Path) -> None:
    card = model.load(trained)
    by_name = {feature["name"]: feature for feature in card.features}
    late = by_name["past_due_90"]
    assert model.locate(late, 98.0)[0] == model.SPECIAL
    assert model.locate(late, 96.0)[0] == model.SPECIAL
    assert late["special"]["events"] + late["special"]["non_events"] > 0
    income = by_name["monthly_income"]
    assert model.locate(income, None)[0] == model.MISSING
    assert income["missing"]["events"] + income["missing"]["non_events"] > 0
    assert model.locate(by_name["revolving_utilization"], 4000.0)[0] == str(
        len(by_name["revolving_utilization"]["splits"])
    )


def test_evaluate_json(trained: Path, credit_csv: Path) -> None:
    result = CliRunner().invoke(
        app, ["risk", "evaluate", "--model", str(trained), "--data", str(credit_csv), "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"auc", "ks", "gini", "rows"}
    assert body["rows"] == 1500
    assert body["gini"] == pytest.approx(2 * body["auc"] - 1, abs=1e-5)


def test_psi_of_a_file_against_itself_is_zero(trained: Path, credit_csv: Path) -> None:
    args = ["risk", "psi", "--model", str(trained), "--expected", str(credit_csv),
            "--actual", str(credit_csv), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["score"] == 0
    assert set(body["features"].values()) == {0}
    assert body["status"] == "stable"


def test_psi_against_the_training_rows_sees_a_shift(trained: Path, tmp_path: Path) -> None:
    from tests.unit.risk.conftest import write_credit_csv

    shifted = write_credit_csv(tmp_path / "other.csv", rows=300, seed=99)
    text = shifted.read_text()
    # Everyone's income unknown: the income feature's population has moved.
    lines = text.splitlines()
    header = lines[0].split(",")
    column = header.index("MonthlyIncome")
    moved = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[column] = "NA"
        moved.append(",".join(cells))
    shifted.write_text("\n".join(moved) + "\n")
    result = CliRunner().invoke(
        app, ["risk", "psi", "--model", str(trained), "--actual", str(shifted), "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["features"]["monthly_income"] > 0.25
    assert body["status"] == "shifted"


def test_bad_input_is_a_clear_usage_error(tmp_path: Path, trained: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(",age\n1,40\n")
    result = CliRunner().invoke(
        app, ["risk", "evaluate", "--model", str(trained), "--data", str(bad), "--json"]
    )
    assert result.exit_code == 2
    assert "missing columns" in result.output
    not_a_model = tmp_path / "model.json"
    not_a_model.write_text("{}")
    result = CliRunner().invoke(
        app, ["risk", "evaluate", "--model", str(not_a_model), "--data", str(bad)]
    )
    assert result.exit_code == 2
