"""Credit policy a scorecard is trained with and then carries in its JSON: the points scaling
and the grades (cut-offs, limit multiplier, rate tier). Nothing here is read at scoring time
except through the model file, so a model and its policy travel and are versioned together.

Scaling: score = offset + factor × ln(odds of repaying), factor = PDO / ln 2 and
offset = base score − factor × ln(base odds). With 600 at 50:1 and PDO 20, a score of 620 means
odds of 100:1, 580 means 25:1.

Grades are set by the largest probability of default (PD) each accepts; the score cut-off follows
from the scaling. A limit is the multiplier × the applicant's monthly income, capped at the
per-borrower outstanding cap (20万, REGULATORY.md "Lending limits"); grade E is declined. Rates
stay under the 4 × one-year LPR cap (lending/apr.py checks the all-in APR at contract time).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

INDIVIDUAL_LIMIT_CAP_MINOR = 20_000_000  # 20万 yuan in fen


@dataclass(frozen=True)
class Scaling:
    base_score: float = 600.0
    base_odds: float = 50.0
    points_to_double_odds: float = 20.0

    @property
    def factor(self) -> float:
        return self.points_to_double_odds / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.base_odds)

    def score_for_pd(self, probability_of_default: float) -> float:
        odds = (1 - probability_of_default) / probability_of_default
        return self.offset + self.factor * math.log(odds)

    def pd_for_score(self, score: float) -> float:
        return 1 / (1 + math.exp((score - self.offset) / self.factor))

    def to_json(self) -> dict[str, float]:
        return {**asdict(self), "factor": self.factor, "offset": self.offset}


@dataclass(frozen=True)
class GradeTier:
    grade: str
    max_pd: float | None  # None: the last grade, everything else
    limit_multiplier: int  # × monthly income; 0 declines
    annual_rate: str | None  # a decimal fraction as text ("0.072"); None when declined


DEFAULT_GRADES: tuple[GradeTier, ...] = (
    GradeTier("A", 0.01, 12, "0.072"),
    GradeTier("B", 0.02, 8, "0.084"),
    GradeTier("C", 0.04, 5, "0.096"),
    GradeTier("D", 0.08, 2, "0.114"),
    GradeTier("E", None, 0, None),
)
REASON_COUNT = 3  # reasons shown to the applicant


def grade_table(scaling: Scaling, tiers: tuple[GradeTier, ...]) -> list[dict[str, object]]:
    """The grades as stored in the model: each with its minimum score (rounded up, so a grade's
    PD limit holds), the last with none."""
    table: list[dict[str, object]] = []
    for tier in tiers:
        min_score = None if tier.max_pd is None else math.ceil(scaling.score_for_pd(tier.max_pd))
        table.append({**asdict(tier), "min_score": min_score})
    return table
