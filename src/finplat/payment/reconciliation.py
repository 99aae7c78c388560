"""Matching a channel statement against our records: pure functions, no I/O.

Lines are matched on (kind, merchant reference), our order number that the channel echoes. A
line we cannot find among our settled records is ``missing_on_platform``; a settled record the
channel does not list is ``missing_at_channel``; both present with different amounts is
``amount_mismatch``. A reference listed twice by the channel counts once as matched and the
extra line as ``missing_on_platform`` (the channel claims money moved twice).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from finplat.payment.statement_format import StatementLine

MISSING_ON_PLATFORM = "missing_on_platform"
MISSING_AT_CHANNEL = "missing_at_channel"
AMOUNT_MISMATCH = "amount_mismatch"


@dataclass(frozen=True, slots=True)
class PlatformRecord:
    """A settled deposit or withdrawal as we booked it; ``amount_minor`` is what the channel
    moved (for a withdrawal: the amount less our fee)."""

    kind: str
    merchant_reference: str
    amount_minor: int
    channel_reference: str | None = None


@dataclass(frozen=True, slots=True)
class Discrepancy:
    kind: str
    transaction_kind: str
    merchant_reference: str
    channel_reference: str | None
    platform_amount_minor: int | None
    channel_amount_minor: int | None


@dataclass(slots=True)
class MatchResult:
    matched_count: int = 0
    discrepancies: list[Discrepancy] = field(default_factory=list)
    channel_total_minor: int = 0
    platform_total_minor: int = 0

    @property
    def ok(self) -> bool:
        return not self.discrepancies


def match(statement: Iterable[StatementLine], records: Iterable[PlatformRecord]) -> MatchResult:
    result = MatchResult()
    ours: dict[tuple[str, str], PlatformRecord] = {}
    for record in records:
        ours[(record.kind, record.merchant_reference)] = record
        result.platform_total_minor += record.amount_minor
    seen: set[tuple[str, str]] = set()
    for line in statement:
        result.channel_total_minor += line.amount_minor
        key = (line.kind, line.merchant_reference)
        found = ours.get(key)
        if found is None or key in seen:
            result.discrepancies.append(
                Discrepancy(
                    MISSING_ON_PLATFORM,
                    line.kind,
                    line.merchant_reference,
                    line.channel_reference,
                    None,
                    line.amount_minor,
                )
            )
            continue
        seen.add(key)
        if found.amount_minor != line.amount_minor:
            result.discrepancies.append(
                Discrepancy(
                    AMOUNT_MISMATCH,
                    line.kind,
                    line.merchant_reference,
                    line.channel_reference,
                    found.amount_minor,
                    line.amount_minor,
                )
            )
        else:
            result.matched_count += 1
    for key, record in ours.items():
        if key not in seen:
            result.discrepancies.append(
                Discrepancy(
                    MISSING_AT_CHANNEL,
                    record.kind,
                    record.merchant_reference,
                    record.channel_reference,
                    record.amount_minor,
                    None,
                )
            )
    return result
