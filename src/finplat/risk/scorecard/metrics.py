"""Discrimination and stability measures (standard library only, so evaluation and the drift
check run where the scorer runs).

Scores are "higher is safer", so the measures rank the bad (target 1) against low scores.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

PSI_FLOOR = 1e-4  # a share of 0 would make PSI infinite; empty buckets count as this share


def auc(scores: Sequence[float], targets: Sequence[int]) -> float:
    """Area under the ROC curve of "low score means bad" (Mann-Whitney, ties count half)."""
    ranked = sorted(zip(scores, targets, strict=True), key=lambda pair: -pair[0])
    bads = sum(targets)
    goods = len(targets) - bads
    if bads == 0 or goods == 0:
        raise ValueError("AUC needs both outcomes")
    wins = 0.0
    goods_above = 0
    index = 0
    while index < len(ranked):
        end = index
        while end < len(ranked) and ranked[end][0] == ranked[index][0]:
            end += 1
        group_bads = sum(target for _, target in ranked[index:end])
        group_goods = (end - index) - group_bads
        # Each bad is outranked (scored lower) by the goods above it, and ties count half.
        wins += group_bads * (goods_above + group_goods / 2)
        goods_above += group_goods
        index = end
    return wins / (bads * goods)


def ks(scores: Sequence[float], targets: Sequence[int]) -> float:
    """Kolmogorov-Smirnov: the largest gap between the cumulative shares of bads and goods."""
    bads = sum(targets)
    goods = len(targets) - bads
    if bads == 0 or goods == 0:
        raise ValueError("KS needs both outcomes")
    by_score: dict[float, list[int]] = {}
    for score, target in zip(scores, targets, strict=True):
        by_score.setdefault(score, [0, 0])[target] += 1
    cumulative_goods = cumulative_bads = 0
    best = 0.0
    for score in sorted(by_score):
        good_count, bad_count = by_score[score]
        cumulative_goods += good_count
        cumulative_bads += bad_count
        best = max(best, abs(cumulative_bads / bads - cumulative_goods / goods))
    return best


def psi(expected: Mapping[str, float], actual: Mapping[str, float]) -> float:
    """Population stability index between two distributions over the same buckets (shares)."""
    total = 0.0
    for bucket in set(expected) | set(actual):
        share_expected = max(expected.get(bucket, 0.0), PSI_FLOOR)
        share_actual = max(actual.get(bucket, 0.0), PSI_FLOOR)
        total += (share_actual - share_expected) * math.log(share_actual / share_expected)
    return total


def shares(labels: Sequence[str]) -> dict[str, float]:
    counts = Counter(labels)
    return {label: count / len(labels) for label, count in counts.items()}


def decile_edges(values: Sequence[float], buckets: int = 10) -> list[float]:
    """Bucket edges at the quantiles of ``values`` (distinct, ascending)."""
    ordered = sorted(values)
    edges = {ordered[len(ordered) * step // buckets] for step in range(1, buckets)}
    return sorted(edges)


def bucket_label(value: float, edges: Sequence[float]) -> str:
    from bisect import bisect_right

    return str(bisect_right(edges, value))
