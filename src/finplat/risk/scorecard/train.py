"""Training a scorecard: optimal binning (optbinning) with weight of evidence, a logistic
regression (scikit-learn) on the WOE values, points scaling and the grades of ``policy``.

Needs the ``scorecard`` extra (numpy, scikit-learn, optbinning); the result is a plain JSON
document that ``model.Scorecard`` scores with the standard library alone. Everything random is
seeded: the same data, seed and policy give the same file, byte for byte.

WOE here is ln(share of goods in the bin / share of bads), so a higher WOE is a safer bin; each
count gets +0.5 so a bin without bads (in a small sample) stays finite. Points of a bin are
−factor × coefficient × WOE, rounded to whole points; the intercept becomes ``base_points``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from finplat.risk.scorecard import dataset as dataset_rules
from finplat.risk.scorecard import features as feature_rules
from finplat.risk.scorecard import metrics
from finplat.risk.scorecard import model as model_rules
from finplat.risk.scorecard import policy as policy_rules

MIN_ROWS = 200
MIN_PREBIN_SHARE = 0.02  # optbinning's pre-bins: at least 2 % of the training rows
MAX_PREBINS = 20
SCORE_BUCKETS = 10
SPLIT_DIGITS = 6


@dataclass(frozen=True)
class TrainingOptions:
    seed: int = 42
    test_size: float = 0.3
    version: str = model_rules.DEFAULT_MODEL_VERSION
    # The date recorded as the training date (ISO), given rather than read from the clock so
    # that the same options still write the same file byte for byte; None records none.
    trained_on: str | None = None
    scaling: policy_rules.Scaling = field(default_factory=policy_rules.Scaling)
    grades: tuple[policy_rules.GradeTier, ...] = policy_rules.DEFAULT_GRADES
    reason_count: int = policy_rules.REASON_COUNT


STEPS = len(feature_rules.FEATURES) + 3  # one per feature's binning, regression, scaling, metrics
Step = Callable[[str], None]


def train(
    data: dataset_rules.Dataset, *, options: TrainingOptions, step: Step | None = None
) -> dict[str, Any]:
    """The model document. ``step`` is told before each of ``STEPS`` steps (progress display).

    Raises ``ValueError`` for data that cannot train a model.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    announce = step or (lambda _: None)
    targets = data.targets
    if targets is None or len(targets) < MIN_ROWS or len(set(targets)) < 2:
        raise ValueError(f"training needs at least {MIN_ROWS} rows with both outcomes")
    if not 0.05 <= options.test_size <= 0.5:
        raise ValueError("the held-out share must be between 0.05 and 0.5")
    derived = [feature_rules.derive(row) for row in data.rows]
    train_index, test_index = train_test_split(
        list(range(len(derived))),
        test_size=options.test_size,
        stratify=targets,
        random_state=options.seed,
    )
    train_rows = [derived[i] for i in train_index]
    train_targets = [targets[i] for i in train_index]
    features = []
    for spec in feature_rules.FEATURES:
        announce(f"binning {spec.name}")
        features.append(_bin_feature(spec, train_rows, train_targets))
    announce("logistic regression")
    woe_matrix = np.array([[_woe(f, row) for f in features] for row in train_rows])
    regression = LogisticRegression(max_iter=1000, solver="lbfgs")
    regression.fit(woe_matrix, np.array(train_targets))
    coefficients = [float(value) for value in regression.coef_[0]]
    announce("points scaling")
    base_points = _scale(features, coefficients, float(regression.intercept_[0]), options.scaling)
    document = _document(data, options, features, base_points)
    announce("metrics")
    card = model_rules.Scorecard(document)
    test_raw = [data.rows[i] for i in test_index]
    train_raw = [data.rows[i] for i in train_index]
    train_scores = [card.score_value(row) for row in train_raw]
    test_scores = [card.score_value(row) for row in test_raw]
    document["metrics"] = {
        "train": _measures(train_scores, train_targets),
        "test": _measures(test_scores, [targets[i] for i in test_index]),
    }
    edges = metrics.decile_edges(train_scores, SCORE_BUCKETS)
    labels = [metrics.bucket_label(score, edges) for score in train_scores]
    document["score_bands"] = {"edges": edges, "shares": _rounded(metrics.shares(labels))}
    return document


def _bin_feature(
    spec: feature_rules.FeatureSpec,
    rows: Sequence[dict[str, float | None]],
    targets: Sequence[int],
) -> dict[str, Any]:
    import numpy as np
    from optbinning import OptimalBinning

    values = np.array([math.nan if row[spec.name] is None else row[spec.name] for row in rows])
    binning = OptimalBinning(
        name=spec.name,
        dtype="numerical",
        solver="cp",  # OR-Tools CP-SAT, which optbinning runs single-threaded with a fixed seed
        monotonic_trend=spec.trend,
        special_codes=list(spec.special_codes) or None,
        max_n_prebins=MAX_PREBINS,
        min_prebin_size=MIN_PREBIN_SHARE,
    )
    binning.fit(values, np.array(targets))
    splits = sorted({round(float(edge), SPLIT_DIGITS) for edge in binning.splits})
    feature: dict[str, Any] = {
        "name": spec.name,
        "trend": spec.trend,
        "splits": splits,
        "special_codes": list(spec.special_codes),
        "bins": [_empty(_range_text(splits, i)) for i in range(len(splits) + 1)],
        "special": _empty("special codes 96/98") if spec.special_codes else None,
        "missing": _empty("missing"),
        "words": {
            "label_zh": spec.label_zh,
            "label_en": spec.label_en,
            "reason_zh": spec.reason_zh,
            "reason_en": spec.reason_en,
            "missing_reason_zh": spec.missing_reason_zh,
            "missing_reason_en": spec.missing_reason_en,
        },
    }
    for row, target in zip(rows, targets, strict=True):
        record = model_rules.locate(feature, row[spec.name])[1]
        record["events" if target else "non_events"] += 1
    _fill_woe(feature, total_rows=len(rows))
    return feature


def _empty(label: str) -> dict[str, Any]:
    return {"range": label, "events": 0, "non_events": 0, "woe": 0.0, "points": 0}


def _range_text(splits: Sequence[float], index: int) -> str:
    low = "-inf" if index == 0 else f"{splits[index - 1]:g}"
    high = "inf" if index == len(splits) else f"{splits[index]:g}"
    return f"[{low}, {high})"


def _fill_woe(feature: dict[str, Any], *, total_rows: int) -> None:
    records = [
        *feature["bins"],
        *(feature[key] for key in ("special", "missing") if feature[key] is not None),
    ]
    total_bad = sum(record["events"] for record in records)
    total_good = sum(record["non_events"] for record in records)
    information_value = 0.0
    for record in records:
        count = record["events"] + record["non_events"]
        record["share"] = round(count / total_rows, 6)
        record["event_rate"] = round(record["events"] / count, 6) if count else None
        if count == 0:
            continue  # an empty bin is neutral: WOE 0
        good = (record["non_events"] + 0.5) / (total_good + 0.5)
        bad = (record["events"] + 0.5) / (total_bad + 0.5)
        record["woe"] = round(math.log(good / bad), 6)
        information_value += (good - bad) * math.log(good / bad)
    feature["information_value"] = round(information_value, 6)


def _woe(feature: dict[str, Any], row: dict[str, float | None]) -> float:
    return float(model_rules.locate(feature, row[feature["name"]])[1]["woe"])


def _scale(
    features: list[dict[str, Any]],
    coefficients: Sequence[float],
    intercept: float,
    scaling: policy_rules.Scaling,
) -> int:
    """Give each bin its points; return the base points. The model predicts the bad outcome, so
    the log-odds of repaying is −(intercept + Σ coefficient × WOE)."""
    for feature, coefficient in zip(features, coefficients, strict=True):
        feature["coefficient"] = round(coefficient, 6)
        for record in model_rules._records(feature):
            record["points"] = round(-scaling.factor * coefficient * record["woe"])
    return round(scaling.offset - scaling.factor * intercept)


def _document(
    data: dataset_rules.Dataset,
    options: TrainingOptions,
    features: list[dict[str, Any]],
    base_points: int,
) -> dict[str, Any]:
    return {
        "format": model_rules.FORMAT,
        "version": options.version,
        "training": {
            "data_sha256": data.sha256,
            "rows": len(data.rows),
            "bad_rate": round(sum(data.targets or []) / len(data.rows), 6),
            "seed": options.seed,
            "test_size": options.test_size,
            "libraries": _library_versions(),
            **({"trained_on": options.trained_on} if options.trained_on else {}),
        },
        "scaling": _rounded(options.scaling.to_json()),
        "base_points": base_points,
        "features": features,
        "grades": policy_rules.grade_table(options.scaling, options.grades),
        "reason_count": options.reason_count,
    }


def _measures(scores: Sequence[float], targets: Sequence[int]) -> dict[str, float | int]:
    area = metrics.auc(scores, targets)
    return {
        "auc": round(area, 6),
        "gini": round(2 * area - 1, 6),
        "ks": round(metrics.ks(scores, targets), 6),
        "rows": len(scores),
    }


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {key: round(value, 6) for key, value in values.items()}


def _library_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("optbinning", "scikit-learn", "numpy")}
