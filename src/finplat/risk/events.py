"""The risk package's events (``finplat.events.types``): ids, codes and amounts only."""

from __future__ import annotations

from finplat.events.types import DomainEvent


class AlertRaised(DomainEvent):
    """A monitoring rule hit a customer for the first time under its de-duplication key."""

    topic = "risk.alert_raised"
    alert_id: int
    user_id: int
    rule_code: str
    rule_version: int
    severity: str
    amount_minor: int


class PayoutHeld(DomainEvent):
    """A blocking rule stopped a payout: its money stays held until an officer decides."""

    topic = "risk.payout_held"
    review_id: int
    kind: str
    subject_id: int
    user_id: int
    amount_minor: int
    rule_codes: list[str]


class PayoutReleased(DomainEvent):
    """An officer released a held payout: it goes to its channel."""

    topic = "risk.payout_released"
    review_id: int
    kind: str
    subject_id: int
    user_id: int


class PayoutRefused(DomainEvent):
    """An officer refused a held payout: its hold is voided."""

    topic = "risk.payout_refused"
    review_id: int
    kind: str
    subject_id: int
    user_id: int


class CaseOpened(DomainEvent):
    topic = "risk.case_opened"
    case_id: int
    user_id: int
    alert_ids: list[int]


class CaseChanged(DomainEvent):
    """A case moved in its workflow (assigned, investigating, closed, reported)."""

    topic = "risk.case_changed"
    case_id: int
    status: str
    resolution: str | None
    assignee_id: int | None


class WatchListHit(DomainEvent):
    """A customer's verified name matched a watch-list entry."""

    topic = "risk.watchlist_hit"
    user_id: int
    entry_id: int
    score: float
