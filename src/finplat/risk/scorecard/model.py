"""The scorecard as a versioned JSON artifact, and the scorer the app calls.

Loading and scoring need only this file, ``features.py`` and the standard library: no
scikit-learn or optbinning at decision time. A model file holds, per feature, the split points,
and for each bin (and the "special codes" and "missing" bins) its WOE and points; the score is
``base_points`` plus the points of the applicant's bin in every feature.
"""

from __future__ import annotations

import functools
import json
import math
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from finplat.risk.scorecard import features as feature_rules

FORMAT = "finplat.scorecard/1"
DEFAULT_MODEL_VERSION = "1.0.0"
SPECIAL, MISSING = "special", "missing"


class ModelError(ValueError):
    """A model file that is not a scorecard this code can read."""


@dataclass(frozen=True)
class Reason:
    code: str  # stable: the feature's name
    feature: str
    points_lost: int  # below the best bin of this feature
    zh: str
    en: str


@dataclass(frozen=True)
class Decision:
    score: int
    grade: str
    probability_of_default: float
    reasons: tuple[Reason, ...]
    model_version: str
    inputs: dict[str, float | None]  # the raw inputs as scored, stored with the decision
    limit_multiplier: int
    annual_rate: str | None  # None: declined
    points: dict[str, int] = field(default_factory=dict)  # per feature

    def limit_minor(self, *, monthly_income_minor: int, cap_minor: int) -> int:
        """The credit limit in fen: the grade's multiplier × monthly income, at most the cap."""
        return max(0, min(self.limit_multiplier * monthly_income_minor, cap_minor))

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "grade": self.grade,
            "probability_of_default": round(self.probability_of_default, 6),
            "reasons": [reason.__dict__ for reason in self.reasons],
            "model_version": self.model_version,
            "inputs": self.inputs,
            "points": self.points,
            "limit_multiplier": self.limit_multiplier,
            "annual_rate": self.annual_rate,
        }


def locate(feature: Mapping[str, Any], value: float | None) -> tuple[str, dict[str, Any]]:
    """The bin of a (derived) feature value: (its key, its stored record)."""
    if value is None:
        return MISSING, feature["missing"]
    if feature["special"] is not None and value in feature["special_codes"]:
        return SPECIAL, feature["special"]
    index = bisect_right(feature["splits"], value)
    return str(index), feature["bins"][index]


class Scorecard:
    """A loaded model file; ``score`` turns raw inputs into a ``Decision``."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        if document.get("format") != FORMAT:
            raise ModelError(f"not a {FORMAT} model file")
        names = [feature["name"] for feature in document["features"]]
        unknown = set(names) - set(feature_rules.FEATURE_NAMES)
        if unknown:
            raise ModelError(f"unknown features {sorted(unknown)}")
        self.document = dict(document)
        self.version: str = document["version"]
        self.features: list[dict[str, Any]] = list(document["features"])
        self.base_points: int = document["base_points"]
        self.scaling: dict[str, float] = document["scaling"]
        self.grades: list[dict[str, Any]] = document["grades"]
        self.reason_count: int = document["reason_count"]
        self._best = {
            feature["name"]: max(record["points"] for record in _records(feature))
            for feature in self.features
        }

    def feature_points(self, derived: Mapping[str, float | None]) -> dict[str, int]:
        return {
            feature["name"]: locate(feature, derived[feature["name"]])[1]["points"]
            for feature in self.features
        }

    def score_value(self, raw: feature_rules.Raw) -> int:
        """The score alone (batch evaluation)."""
        derived = feature_rules.derive(raw)
        return self.base_points + sum(self.feature_points(derived).values())

    def score(self, raw: feature_rules.Raw) -> Decision:
        """Score raw inputs (names in ``features.RAW_INPUTS``; None = unknown)."""
        inputs = {name: _plain(raw.get(name)) for name in feature_rules.RAW_INPUTS}
        derived = feature_rules.derive(inputs)
        points = self.feature_points(derived)
        total = self.base_points + sum(points.values())
        tier = self.grade_for(total)
        return Decision(
            score=total,
            grade=tier["grade"],
            probability_of_default=self.pd_for(total),
            reasons=self._reasons(derived, points),
            model_version=self.version,
            inputs=inputs,
            limit_multiplier=tier["limit_multiplier"],
            annual_rate=tier["annual_rate"],
            points=points,
        )

    def pd_for(self, score: float) -> float:
        return 1 / (1 + math.exp((score - self.scaling["offset"]) / self.scaling["factor"]))

    def grade_for(self, score: int) -> dict[str, Any]:
        for tier in self.grades:
            if tier["min_score"] is None or score >= tier["min_score"]:
                return tier
        raise ModelError("the grade table has no last grade without a cut-off")

    def _reasons(
        self, derived: Mapping[str, float | None], points: Mapping[str, int]
    ) -> tuple[Reason, ...]:
        """The features that cost the most points against their best bin (ties: model order)."""
        lost = [
            (self._best[feature["name"]] - points[feature["name"]], position, feature)
            for position, feature in enumerate(self.features)
        ]
        lost.sort(key=lambda item: (-item[0], item[1]))
        reasons = []
        for points_lost, _, feature in lost[: self.reason_count]:
            if points_lost <= 0:
                break
            missing = derived[feature["name"]] is None
            words = feature["words"]
            reasons.append(
                Reason(
                    code=feature["name"],
                    feature=feature["name"],
                    points_lost=points_lost,
                    zh=words["missing_reason_zh" if missing else "reason_zh"],
                    en=words["missing_reason_en" if missing else "reason_en"],
                )
            )
        return tuple(reasons)


def _records(feature: Mapping[str, Any]) -> list[dict[str, Any]]:
    extra = [feature[key] for key in (SPECIAL, MISSING) if feature[key] is not None]
    return [*feature["bins"], *extra]


def _plain(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def dumps(document: Mapping[str, Any]) -> str:
    """The canonical text of a model file (sorted keys, stable floats): diff-able and hashable."""
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def load(path: str | Path) -> Scorecard:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"cannot read the model file: {error}") from None
    return Scorecard(document)


@functools.cache
def load_default() -> Scorecard:
    """The model shipped in the package (``finplat/risk/scorecard/artifacts/``)."""
    name = f"scorecard-{DEFAULT_MODEL_VERSION}.json"
    artifacts = resources.files("finplat.risk.scorecard.artifacts")
    text = artifacts.joinpath(name).read_text(encoding="utf-8")
    return Scorecard(json.loads(text))


def score(raw: feature_rules.Raw) -> Decision:
    """Score with the shipped model (loaded once)."""
    return load_default().score(raw)
