"""Drift: the population stability index (PSI) of the score and of each feature, between an
expected population (the training rows as stored in the model, or a file) and an actual one.

Score buckets are the model's training score deciles; feature buckets are the model's own bins
(with the special-code and missing bins). Rule of thumb: below 0.1 stable, 0.1-0.25 watch,
above 0.25 the population has shifted and the model should be reviewed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from finplat.risk.scorecard import features as feature_rules
from finplat.risk.scorecard import metrics
from finplat.risk.scorecard import model as model_rules

WATCH, SHIFTED = 0.1, 0.25


def distributions(
    card: model_rules.Scorecard, rows: Sequence[feature_rules.Raw]
) -> dict[str, dict[str, float]]:
    """Shares per bucket: key "score" and one per feature."""
    if not rows:
        raise ValueError("no rows")
    edges = card.document["score_bands"]["edges"]
    labels: dict[str, list[str]] = {"score": []}
    for feature in card.features:
        labels[feature["name"]] = []
    for row in rows:
        derived = feature_rules.derive(row)
        total = card.base_points
        for feature in card.features:
            key, record = model_rules.locate(feature, derived[feature["name"]])
            labels[feature["name"]].append(key)
            total += record["points"]
        labels["score"].append(metrics.bucket_label(total, edges))
    return {name: metrics.shares(values) for name, values in labels.items()}


def training_distributions(card: model_rules.Scorecard) -> dict[str, dict[str, float]]:
    """The expected shares as the model recorded them on its training rows."""
    result = {"score": dict(card.document["score_bands"]["shares"])}
    for feature in card.features:
        shares = {str(index): record["share"] for index, record in enumerate(feature["bins"])}
        for key in (model_rules.SPECIAL, model_rules.MISSING):
            if feature[key] is not None:
                shares[key] = feature[key]["share"]
        result[feature["name"]] = shares
    return result


def report(
    expected: dict[str, dict[str, float]], actual: dict[str, dict[str, float]]
) -> dict[str, Any]:
    """``{"score": psi, "features": {name: psi}, "status": stable|watch|shifted}``."""
    score_psi = round(metrics.psi(expected["score"], actual["score"]), 6)
    per_feature = {
        name: round(metrics.psi(expected[name], actual[name]), 6)
        for name in expected
        if name != "score"
    }
    worst = max([score_psi, *per_feature.values()])
    status = "stable" if worst < WATCH else "watch" if worst < SHIFTED else "shifted"
    return {"score": score_psi, "features": per_feature, "status": status}
