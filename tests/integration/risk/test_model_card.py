"""``/admin/risk/model`` (the scorecard in force) and ``/admin/risk/drift`` (PSI of recent
credit decisions against the training distribution stored in the model)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.lending.models import Application, LoanProduct
from finplat.risk.scorecard import drift, metrics
from finplat.risk.scorecard import model as model_rules
from tests.factories import bearer_for, make_staff, make_user

API = "/api/v1/admin/risk"

# Two applicants far apart: a safe one (low utilisation, never late, older) and a risky one.
SAFE = {"revolving_utilization": 0.01, "age": 70.0, "past_due_30_59": 0.0, "debt_ratio": 0.1,
        "monthly_income": 12_000.0, "open_credit_lines": 6.0, "past_due_90": 0.0,
        "real_estate_loans": 1.0, "past_due_60_89": 0.0, "dependents": 0.0}
RISKY = {"revolving_utilization": 1.5, "age": 25.0, "past_due_30_59": 2.0, "debt_ratio": 0.9,
         "monthly_income": 2_000.0, "open_credit_lines": 1.0, "past_due_90": 0.0,
         "real_estate_loans": 4.0, "past_due_60_89": 0.0, "dependents": 3.0}


async def _headers(db: Database, clock: FrozenClock, app: Any, role: str) -> dict[str, str]:
    user_id, *_ = await make_staff(db, now=clock.now(), role=role)
    return bearer_for(app, user_id)


async def _applications(db: Database, rows: list[tuple[dict[str, Any], datetime, str, str]]
                        ) -> None:
    """Applications decided on ``(features, at, scorer, model_version)``."""
    async def work(session: Any) -> None:
        now = rows[0][1]
        product = await session.execute(insert(LoanProduct).values(
            institution_id=1, created_by_user_id=1, name="消费贷", borrower_kind="both",
            currency="CNY", min_amount_minor=100_000, max_amount_minor=20_000_000,
            term_months=[12], min_annual_rate="0.060000", max_annual_rate="0.150000",
            repayment_methods=["equal_installment"], service_fee_kind="upfront",
            service_fee_rate="0.001000", penalty_daily_rate="0.000500", grace_days=3,
            reserve_rate="0.010000", funding_window_days=7, status="active", version=1,
            created_at=now, updated_at=now))
        product_id = int(product.inserted_primary_key[0])
        for features, at, scorer, version in rows:
            session.add(Application(
                user_id=1, borrower_kind="individual", product_id=product_id,
                amount_minor=1_000_000, currency="CNY", term_months=12,
                repayment_method="equal_installment", purpose="装修", declared="{}",
                status="pending_review", scorer=scorer, model_version=version,
                decision_inputs=json.dumps({"inputs": {"features": features, "points": {}}}),
                score=600, grade="B", limit_minor=0, annual_rate="0.084", reasons=[],
                apr="0.09", lpr_one_year="0.03", created_at=at, updated_at=at))

    await db.run(work)


async def test_the_model_card_and_who_may_read_it(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock, app: Any
) -> None:
    officer = await _headers(db, clock, app, "risk_officer")
    answer = await client.get(f"{API}/model", headers=officer)
    assert answer.status_code == 200, answer.text
    card = answer.json()
    shipped = model_rules.load_default()
    assert card["version"] == shipped.version == "1.0.0"
    assert card["training"]["seed"] == 42 and card["training"]["rows"] == 150_000
    assert card["training"]["trained_on"] == "2026-12-03"
    test_set = next(m for m in card["metrics"] if m["set"] == "test")
    assert test_set == {"set": "test", "auc": 0.861352, "ks": 0.567625, "gini": 0.722705,
                        "rows": 45_000}
    utilisation = next(f for f in card["features"] if f["name"] == "revolving_utilization")
    assert utilisation["bins"][0] == {"key": "0", "range": "[-inf, 0.060416)", "share": 0.35061,
                                      "event_rate": 0.017521, "woe": 1.389707, "points": 23}
    assert utilisation["bins"][-1]["key"] == "missing"
    total_past_due = next(f for f in card["features"] if f["name"] == "total_past_due")
    assert [b["key"] for b in total_past_due["bins"]][-2:] == ["special", "missing"]
    assert [(g["grade"], g["min_score"], g["limit_multiplier"], g["annual_rate"])
            for g in card["grades"]] == [("A", 620, 12, "0.072"), ("B", 600, 8, "0.084"),
                                         ("C", 579, 5, "0.096"), ("D", 558, 2, "0.114"),
                                         ("E", None, 0, None)]
    assert (await client.get(f"{API}/model",
                             headers=await _headers(db, clock, app, "admin"))).status_code == 200
    assert (await client.get(f"{API}/model",
                             headers=await _headers(db, clock, app, "auditor"))).status_code == 200
    for role in ("support", "reviewer", "finance"):
        refused = await client.get(f"{API}/model", headers=await _headers(db, clock, app, role))
        assert refused.status_code == 403, role
        refused = await client.get(f"{API}/drift", headers=await _headers(db, clock, app, role))
        assert refused.status_code == 403, role
    customer = bearer_for(app, await make_user(db, now=clock.now()))
    assert (await client.get(f"{API}/model", headers=customer)).status_code == 403
    assert (await client.get(f"{API}/drift", headers=customer)).status_code == 403
    assert (await client.get(f"{API}/drift")).status_code == 401


def _psi(expected: dict[str, float], actual: dict[str, float]) -> float:
    """PSI written out again: sum over buckets of (a - e) ln(a / e), empty shares as 1e-4."""
    total = 0.0
    for key in set(expected) | set(actual):
        e, a = max(expected.get(key, 0.0), 1e-4), max(actual.get(key, 0.0), 1e-4)
        total += (a - e) * math.log(a / e)
    return total


async def test_drift_of_a_known_sample(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock, app: Any
) -> None:
    officer = await _headers(db, clock, app, "risk_officer")
    empty = (await client.get(f"{API}/drift", headers=officer)).json()
    assert empty["decisions"] == 0 and empty["status"] == "no_data"
    assert empty["score"]["psi"] is None and empty["score"]["buckets"][0]["actual"] is None

    now = clock.now()
    recent = now - timedelta(days=3)
    await _applications(db, [
        (SAFE, recent, "scorecard", "1.0.0"), (SAFE, recent, "scorecard", "1.0.0"),
        (SAFE, recent, "scorecard", "1.0.0"), (RISKY, recent, "scorecard", "1.0.0"),
        # Not counted: outside the window, another model, the rule scorer.
        (RISKY, now - timedelta(days=40), "scorecard", "1.0.0"),
        (RISKY, recent, "scorecard", "0.9.0"),
        (RISKY, recent, "rules", "rules-1.0"),
    ])
    answer = await client.get(f"{API}/drift", params={"days": 30}, headers=officer)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["decisions"] == 4 and result["window_days"] == 30
    assert result["bands"] == {"watch": 0.1, "shifted": 0.25}

    card = model_rules.load_default()
    expected = drift.training_distributions(card)
    # Utilisation: 3 of 4 in the first bin, 1 in the last (≥ 1.00104).
    utilisation = next(f for f in result["features"] if f["name"] == "revolving_utilization")
    assert utilisation["psi"] == pytest.approx(
        _psi(expected["revolving_utilization"], {"0": 0.75, "13": 0.25}), abs=1e-6)
    assert utilisation["psi"] == pytest.approx(4.8716, abs=1e-4)
    assert utilisation["status"] == "shifted"
    first = next(b for b in utilisation["buckets"] if b["key"] == "0")
    assert first == {"key": "0", "label": "[-inf, 0.060416)", "expected": 0.35061,
                     "actual": 0.75}
    # The score: the buckets of the two scores at the stored training deciles.
    edges = card.document["score_bands"]["edges"]
    safe, risky = (metrics.bucket_label(card.score_value(r), edges) for r in (SAFE, RISKY))
    assert (safe, risky) == ("9", "0")
    assert result["score"]["psi"] == pytest.approx(
        _psi(expected["score"], {"9": 0.75, "0": 0.25}), abs=1e-6)
    assert result["status"] == "shifted"

    narrow = (await client.get(f"{API}/drift", params={"days": 1}, headers=officer)).json()
    assert narrow["decisions"] == 0
    for bad in (0, 366, "x"):
        refused = await client.get(f"{API}/drift", params={"days": bad}, headers=officer)
        assert refused.status_code == 422
