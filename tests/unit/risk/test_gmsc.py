"""The shipped model on the real credit file (skipped when the shared data is not there)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finplat.risk.cli import evaluation
from finplat.risk.scorecard import dataset, model

# shared/ sits beside the checkout (or beside the folder of worktrees); FINPLAT_CREDIT_DATA wins.
_CANDIDATES = [
    Path(os.environ.get("FINPLAT_CREDIT_DATA", "/nonexistent")),
    *(parent / "shared" / "data" / "credit" / "gmsc.csv"
      for parent in Path(__file__).resolve().parents[3:6]),
]
GMSC = next((path for path in _CANDIDATES if path.is_file()), _CANDIDATES[0])


@pytest.mark.skipif(not GMSC.exists(), reason="the shared credit data is not on this machine")
def test_the_shipped_model_on_the_credit_file() -> None:
    card = model.load_default()
    data = dataset.read(GMSC)
    assert data.sha256 == card.document["training"]["data_sha256"]
    assert card.document["metrics"]["test"]["auc"] >= 0.86
    result = evaluation(card, data)
    assert result["rows"] == 150_000
    assert result["auc"] >= 0.86
