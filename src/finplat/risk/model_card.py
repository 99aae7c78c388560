"""The credit scorecard on the console: the model card of the model in force, and its drift
(PSI) on the credit decisions of a recent window against the training distribution stored in
the model. One definition of PSI: ``scorecard.drift``, as ``finplat risk psi`` uses it.

The expected shares are the model's own: each bin's share of the training rows (with the
special-code and missing bins) and the training score's decile buckets (``score_bands``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.lending import queries as lending_queries
from finplat.risk.scorecard import drift
from finplat.risk.scorecard import model as model_rules

MAX_DECISIONS = 20_000  # the most recent decisions of the window that the check reads
WINDOW_DAYS = (7, 30, 90, 180, 365)


def _bin_rows(feature: dict[str, Any]) -> list[dict[str, Any]]:
    keyed = [(str(index), record) for index, record in enumerate(feature["bins"])]
    keyed += [(key, feature[key]) for key in (model_rules.SPECIAL, model_rules.MISSING)
              if feature[key] is not None]
    return [{"key": key, "range": record["range"], "share": record["share"],
             "event_rate": record["event_rate"], "woe": record["woe"],
             "points": record["points"]} for key, record in keyed]


def card_view(card: model_rules.Scorecard) -> dict[str, Any]:
    """The model card: version, training data, metrics, bins with WOE and points, grades."""
    document = card.document
    training = document["training"]
    return {
        "version": card.version,
        "format": document["format"],
        "training": {
            "data_sha256": training["data_sha256"], "rows": training["rows"],
            "bad_rate": training["bad_rate"], "seed": training["seed"],
            "test_size": training["test_size"], "trained_on": training.get("trained_on"),
            "libraries": training["libraries"],
        },
        "metrics": [{"set": name, **values} for name, values in document["metrics"].items()],
        "scaling": card.scaling,
        "base_points": card.base_points,
        "features": [{
            "name": feature["name"], "label_zh": feature["words"]["label_zh"],
            "label_en": feature["words"]["label_en"], "coefficient": feature["coefficient"],
            "information_value": feature["information_value"], "trend": feature["trend"],
            "bins": _bin_rows(feature),
        } for feature in card.features],
        "grades": [{
            "grade": tier["grade"], "min_score": tier["min_score"], "max_pd": tier["max_pd"],
            "limit_multiplier": tier["limit_multiplier"], "annual_rate": tier["annual_rate"],
        } for tier in card.grades],
        "score_bands": {"edges": document["score_bands"]["edges"]},
    }


def _status(value: float | None) -> str:
    if value is None:
        return "no_data"
    return "stable" if value < drift.WATCH else "watch" if value < drift.SHIFTED else "shifted"


def _score_labels(edges: list[float]) -> dict[str, str]:
    labels = {"0": f"< {edges[0]}"}
    for index in range(1, len(edges)):
        labels[str(index)] = f"[{edges[index - 1]}, {edges[index]})"
    labels[str(len(edges))] = f"≥ {edges[-1]}"
    return labels


def _buckets(expected: dict[str, float], actual: dict[str, float] | None,
             labels: dict[str, str]) -> list[dict[str, Any]]:
    return [{"key": key, "label": labels.get(key, key), "expected": round(share, 6),
             "actual": None if actual is None else round(actual.get(key, 0.0), 6)}
            for key, share in expected.items()]


def drift_view(card: model_rules.Scorecard, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """PSI of the score and of each feature of ``rows`` (raw inputs) against the training
    distribution stored in ``card``; with no rows every PSI is None ("no_data")."""
    expected = drift.training_distributions(card)
    actual = drift.distributions(card, rows) if rows else None
    result = drift.report(expected, actual) if actual is not None else None
    features = []
    for feature in card.features:
        name = feature["name"]
        labels = {row["key"]: row["range"] for row in _bin_rows(feature)}
        value = None if result is None else result["features"][name]
        features.append({
            "name": name, "label_zh": feature["words"]["label_zh"],
            "label_en": feature["words"]["label_en"], "psi": value, "status": _status(value),
            "buckets": _buckets(expected[name], None if actual is None else actual[name],
                                labels)})
    score_psi = None if result is None else result["score"]
    return {
        "model_version": card.version,
        "decisions": len(rows),
        "status": "no_data" if result is None else result["status"],
        "bands": {"watch": drift.WATCH, "shifted": drift.SHIFTED},
        "score": {"psi": score_psi, "status": _status(score_psi),
                  "buckets": _buckets(expected["score"],
                                      None if actual is None else actual["score"],
                                      _score_labels(card.document["score_bands"]["edges"]))},
        "features": features,
    }


def model_in_force() -> model_rules.Scorecard:
    return model_rules.load_default()


async def model_drift(db: Database, *, days: int, now: datetime) -> dict[str, Any]:
    """Drift of the model in force on the credit decisions of the last ``days`` days."""
    card = model_in_force()
    since = now - timedelta(days=days)

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        return await lending_queries.scorecard_inputs(
            session, model_version=card.version, since=since, until=now, limit=MAX_DECISIONS)

    rows = await db.run(work, readonly=True)
    # Binning and scoring up to MAX_DECISIONS rows is CPU work (~0.25 s at the cap): off the loop.
    view = await asyncio.to_thread(drift_view, card, rows)
    view.update({"window_days": days, "from_at": since, "to_at": now})
    return view
