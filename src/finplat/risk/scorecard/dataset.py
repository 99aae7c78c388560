"""Reading a credit file in the training data's layout (standard library only).

The file: CSV with a header, CRLF or LF line endings, a first unnamed row-number column, the
target ``SeriousDlqin2yrs`` (optional when only scoring) and the ten columns of
``features.RAW_COLUMNS``; ``NA`` or an empty cell is missing.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from finplat.risk.scorecard import features as feature_rules

MISSING_MARKERS = frozenset({"", "NA", "NaN", "nan", "null"})


class DatasetError(ValueError):
    """A file that is not in the credit data's layout."""


@dataclass(frozen=True)
class Dataset:
    rows: list[dict[str, float | None]]  # raw inputs by name
    targets: list[int] | None  # None when the file has no target column
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _cell(text: str, column: str, line: int) -> float | None:
    text = text.strip()
    if text in MISSING_MARKERS:
        return None
    try:
        return float(text)
    except ValueError:
        raise DatasetError(f"line {line}: {column} is not a number: {text[:20]!r}") from None


def read(path: str | Path, *, require_target: bool = True) -> Dataset:
    """All rows of a credit file. Raises ``DatasetError`` (and ``OSError`` when unreadable)."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise DatasetError("the file is empty")
        position = {name.strip(): index for index, name in enumerate(header)}
        absent = [c for c in feature_rules.RAW_COLUMNS.values() if c not in position]
        has_target = feature_rules.TARGET_COLUMN in position
        if absent or (require_target and not has_target):
            missing = absent + ([] if has_target else [feature_rules.TARGET_COLUMN])
            raise DatasetError(f"missing columns: {', '.join(missing)}")
        columns = [(name, position[col]) for name, col in feature_rules.RAW_COLUMNS.items()]
        rows: list[dict[str, float | None]] = []
        targets: list[int] = []
        for line, record in enumerate(reader, start=2):
            if not record:
                continue
            if len(record) != len(header):
                raise DatasetError(f"line {line}: {len(record)} cells, {len(header)} expected")
            rows.append({name: _cell(record[index], name, line) for name, index in columns})
            if has_target:
                targets.append(_target(record[position[feature_rules.TARGET_COLUMN]], line))
    if not rows:
        raise DatasetError("the file has no rows")
    return Dataset(rows=rows, targets=targets if has_target else None, sha256=sha256_of(path))


def _target(text: str, line: int) -> int:
    if text.strip() not in {"0", "1"}:
        raise DatasetError(f"line {line}: {feature_rules.TARGET_COLUMN} must be 0 or 1")
    return int(text)
