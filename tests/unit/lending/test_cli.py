"""``finplat loan schedule``: the calculator needs no database."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from finplat.cli import app

BASE = ["loan", "schedule", "--principal-minor", "100000000", "--annual-rate", "0.049",
        "--months", "360", "--start-date", "2024-01-31"]


def _run(*args: str):
    return CliRunner().invoke(app, [*BASE, *args])


def test_json_reference_schedule() -> None:
    result = _run("--method", "equal_installment", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert len(body["installments"]) == 360
    first = body["installments"][0]
    assert first == {"number": 1, "due_date": "2024-02-29", "principal_minor": 122394,
                     "interest_minor": 408333, "total_minor": 530727,
                     "principal_remaining_minor": 99877606}
    assert body["installments"][2]["due_date"] == "2024-04-30"
    assert body["total_minor"] == 100_000_000 + body["total_interest_minor"]
    assert abs(float(body["apr"]) - 0.049) < 1e-7


def test_json_equal_principal_with_fees() -> None:
    result = _run("--method", "equal_principal", "--upfront-fee-minor", "100000",
                  "--monthly-fee-minor", "1000", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["installments"][0]["total_minor"] == 686_111
    assert body["total_interest_minor"] == 73_704_167
    assert body["total_fees_minor"] == 100_000 + 360 * 1_000
    assert float(body["apr"]) > 0.049


def test_table() -> None:
    result = _run("--method", "bullet")
    assert result.exit_code == 0, result.output
    assert "2054-01-31" in result.stdout and "1,470,000.00" in result.stdout
    assert "All-in APR" in result.stdout and "综合年化" in result.stdout


def test_bad_input_exits_2_with_the_reason() -> None:
    result = _run("--method", "balloon")
    assert result.exit_code == 2
    assert "lending.invalid_method" in result.stderr and "equal_installment" in result.stderr
    result = CliRunner().invoke(app, ["loan", "schedule", "--principal-minor", "100",
                                      "--annual-rate", "4.9", "--months", "12",
                                      "--method", "bullet"])
    assert result.exit_code == 2 and "lending.invalid_rate" in result.stderr
    assert _run("--method", "bullet", "--upfront-fee-minor", "100000000").exit_code == 2
    bad_date = CliRunner().invoke(app, [*BASE[:-2], "--start-date", "2024-02-30",
                                        "--method", "bullet"])
    assert bad_date.exit_code == 2 and "start_date" in bad_date.stderr
    missing = CliRunner().invoke(app, ["loan", "schedule", "--months", "12"])
    assert missing.exit_code == 2
