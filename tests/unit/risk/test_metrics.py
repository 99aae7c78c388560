"""AUC, KS and PSI on hand-checked examples."""

from __future__ import annotations

import pytest

from finplat.risk.scorecard import metrics


def test_auc_ks_on_a_perfect_and_a_useless_ranking() -> None:
    # Higher scores are safer: bads (1) at the bottom is a perfect ranking.
    assert metrics.auc([1, 2, 3, 4], [1, 1, 0, 0]) == 1.0
    assert metrics.ks([1, 2, 3, 4], [1, 1, 0, 0]) == 1.0
    assert metrics.auc([5, 5, 5, 5], [1, 0, 1, 0]) == 0.5
    assert metrics.auc([1, 2, 3, 4], [0, 1, 0, 1]) == pytest.approx(0.25)


def test_auc_needs_both_outcomes() -> None:
    with pytest.raises(ValueError, match="both outcomes"):
        metrics.auc([1, 2], [0, 0])


def test_psi() -> None:
    same = {"a": 0.5, "b": 0.5}
    assert metrics.psi(same, same) == 0
    moved = metrics.psi({"a": 0.5, "b": 0.5}, {"a": 0.9, "b": 0.1})
    assert moved == pytest.approx(0.4 * 0.5877866649 + 0.4 * 1.6094379124)
    assert metrics.psi({"a": 1.0}, {"b": 1.0}) > 10  # an empty bucket counts as 0.01 %
