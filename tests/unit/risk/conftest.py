"""Small generated credit files in the training data's layout (CRLF, unnamed index column)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from finplat.risk.scorecard.features import RAW_COLUMNS, TARGET_COLUMN

COLUMNS = [TARGET_COLUMN, *RAW_COLUMNS.values()]


def _row(rng: random.Random) -> dict[str, str]:
    risk = rng.betavariate(0.8, 4)
    late = [0 if rng.random() > risk * s else rng.randint(1, 4) for s in (0.9, 0.4, 0.4)]
    if rng.random() < 0.01:
        late = [98, 98, 98]  # the bureau's special code
    income = "NA" if rng.random() < 0.15 else str(round(rng.lognormvariate(8.5, 0.6)))
    utilisation = min(rng.betavariate(0.8 + 4 * risk, 1.6), 1.0)
    if rng.random() < 0.005:
        utilisation = rng.uniform(100, 5000)  # an outlier
    logit = -3.2 + 5 * risk + 1.2 * utilisation + 0.6 * sum(min(n, 5) for n in late)
    bad = int(rng.random() < 1 / (1 + math.exp(-logit)))
    return {
        TARGET_COLUMN: str(bad),
        RAW_COLUMNS["revolving_utilization"]: f"{utilisation:.6f}",
        RAW_COLUMNS["age"]: str(rng.randint(21, 80)),
        RAW_COLUMNS["past_due_30_59"]: str(late[0]),
        RAW_COLUMNS["debt_ratio"]: f"{rng.uniform(0, 1.2):.6f}",
        RAW_COLUMNS["monthly_income"]: income,
        RAW_COLUMNS["open_credit_lines"]: str(max(0, round(rng.gauss(8 - 3 * risk, 4)))),
        RAW_COLUMNS["past_due_90"]: str(late[2]),
        RAW_COLUMNS["real_estate_loans"]: str(rng.choice([0, 0, 1, 1, 2, 3])),
        RAW_COLUMNS["past_due_60_89"]: str(late[1]),
        RAW_COLUMNS["dependents"]: "NA" if rng.random() < 0.03 else str(rng.randint(0, 4)),
    }


def write_credit_csv(path: Path, *, rows: int, seed: int) -> Path:
    rng = random.Random(seed)
    lines = ["," + ",".join(COLUMNS)]
    for index in range(1, rows + 1):
        row = _row(rng)
        lines.append(f"{index}," + ",".join(row[column] for column in COLUMNS))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


@pytest.fixture(scope="session")
def credit_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_credit_csv(tmp_path_factory.mktemp("credit") / "credit.csv", rows=1500, seed=7)
