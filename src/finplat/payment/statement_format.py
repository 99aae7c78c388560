"""The channel statement file: CSV, one settled transaction per line, amounts in fen."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from finplat.core.errors import InvalidInput

COLUMNS = (
    "channel_reference",
    "merchant_reference",
    "kind",
    "amount_minor",
    "currency",
    "processed_at",
)
KINDS = ("deposit", "withdrawal")
MAX_LINES = 1_000_000


@dataclass(frozen=True, slots=True)
class StatementLine:
    channel_reference: str
    merchant_reference: str
    kind: str
    amount_minor: int
    currency: str
    processed_at: str


def render(lines: list[StatementLine]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow(
            [
                line.channel_reference,
                line.merchant_reference,
                line.kind,
                line.amount_minor,
                line.currency,
                line.processed_at,
            ]
        )
    return out.getvalue().encode()


def parse(content: bytes) -> list[StatementLine]:
    """Parse a statement file; raises ``InvalidInput('payment.statement_malformed')``."""
    try:
        reader = csv.DictReader(io.StringIO(content.decode("utf-8")))
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"unexpected header {reader.fieldnames}")
        lines: list[StatementLine] = []
        for number, row in enumerate(reader, start=2):
            if number > MAX_LINES:
                raise ValueError("statement too long")
            if row["kind"] not in KINDS:
                raise ValueError(f"line {number}: unknown kind {row['kind']!r}")
            amount = int(row["amount_minor"])
            lines.append(
                StatementLine(
                    row["channel_reference"],
                    row["merchant_reference"],
                    row["kind"],
                    amount,
                    row["currency"],
                    row["processed_at"],
                )
            )
        return lines
    except (UnicodeDecodeError, ValueError, KeyError, csv.Error) as error:
        raise InvalidInput("payment.statement_malformed", f"statement file: {error}") from None
