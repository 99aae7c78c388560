"""What an entry is, before it is written: its legs, the deltas it makes on each account, the
checks an entry passes in Python before any statement (two or more legs, positive amounts, one
currency, debits = credits), and the account-limit rule. No database here: the write path is
``finplat.ledger.posting``, which re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from finplat.core.errors import field_error
from finplat.core.money import Money
from finplat.ledger.exceptions import InvalidPostings, Unbalanced

MAX_LEGS = 200
DEBIT, CREDIT = "debit", "credit"


@dataclass(frozen=True, slots=True)
class Leg:
    """One side of an entry: ``amount`` debited or credited to ``account_id``."""

    account_id: int
    direction: str
    amount: Money


def debit(account_id: int, amount: Money) -> Leg:
    return Leg(account_id, DEBIT, amount)


def credit(account_id: int, amount: Money) -> Leg:
    return Leg(account_id, CREDIT, amount)


@dataclass(slots=True)
class Delta:
    """What an entry changes on one account, in fen (pending deltas are negative on release)."""

    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0


@dataclass(frozen=True, slots=True)
class AccountState:
    id: int
    normal_balance: str
    currency: str
    tracks_balance: bool
    status: str
    debits_posted: int
    credits_posted: int
    version: int
    debits_pending: int = 0
    credits_pending: int = 0
    debits_must_not_exceed_credits: bool = False
    credits_must_not_exceed_debits: bool = False

    def balance_minor(self, debits_posted: int, credits_posted: int) -> int:
        if self.normal_balance == CREDIT:
            return credits_posted - debits_posted
        return debits_posted - credits_posted


def within_limits(state: AccountState, delta: Delta) -> bool:
    """Whether the account's limit flags allow ``delta`` on top of ``state``: the rule the
    guarded UPDATE (and the database's CHECK constraints) enforce, in plain Python."""
    debits = state.debits_posted + state.debits_pending + delta.debits_posted + delta.debits_pending
    credits = (state.credits_posted + state.credits_pending + delta.credits_posted
               + delta.credits_pending)
    if state.debits_must_not_exceed_credits \
            and debits > state.credits_posted + delta.credits_posted:
        return False
    return not (state.credits_must_not_exceed_debits
                and credits > state.debits_posted + delta.debits_posted)


@dataclass(slots=True)
class EntrySpec:
    source_type: str
    source_id: str
    code: str
    entry_type: str
    legs: Sequence[Leg]
    pending: bool = False
    # Pending amounts released by this entry (a hold's post, void or expiry), per account.
    releases: Mapping[int, Delta] = field(default_factory=dict)
    hold_id: int | None = None
    reverses_entry_id: int | None = None
    reference: str | None = None
    metadata: Mapping[str, Any] | None = None
    # Releasing a hold (void, expiry) is allowed on a frozen account; nothing else is.
    allow_frozen: bool = False


def validate_source(source_type: str, source_id: str, code: str) -> None:
    for name, value, limit in (("source_type", source_type, 32), ("source_id", source_id, 64),
                               ("code", code, 32)):
        if not isinstance(value, str) or not (1 <= len(value) <= limit):
            raise field_error(name, f"must be 1 to {limit} characters")


def check_legs(legs: Sequence[Leg], *, allow_empty: bool = False,
               max_legs: int = MAX_LEGS) -> str | None:
    """The entry's currency; raises ``InvalidPostings`` or ``Unbalanced``."""
    if not legs:
        if allow_empty:
            return None
        raise InvalidPostings("an entry needs two or more postings")
    if len(legs) < 2 or len(legs) > max_legs:
        raise InvalidPostings(f"an entry needs 2 to {max_legs} postings")
    currencies = set()
    net = 0
    for leg in legs:
        if not isinstance(leg.amount, Money):
            raise TypeError("posting amounts are Money")
        if leg.amount.amount_minor <= 0:
            raise InvalidPostings("every posting amount must be positive")
        if leg.direction not in (DEBIT, CREDIT):
            raise InvalidPostings(f"unknown direction {leg.direction!r}")
        currencies.add(leg.amount.currency)
        net += leg.amount.amount_minor if leg.direction == DEBIT else -leg.amount.amount_minor
    if len(currencies) != 1:
        raise InvalidPostings("all postings of an entry share one currency")
    if net != 0:
        raise Unbalanced(f"debits and credits differ by {net} fen")
    return currencies.pop()


def deltas_of(spec: EntrySpec) -> dict[int, Delta]:
    deltas: dict[int, Delta] = {}
    for leg in spec.legs:
        delta = deltas.setdefault(leg.account_id, Delta())
        amount = leg.amount.amount_minor
        if spec.pending:
            if leg.direction == DEBIT:
                delta.debits_pending += amount
            else:
                delta.credits_pending += amount
        elif leg.direction == DEBIT:
            delta.debits_posted += amount
        else:
            delta.credits_posted += amount
    for account_id, release in spec.releases.items():
        delta = deltas.setdefault(account_id, Delta())
        delta.debits_pending += release.debits_pending
        delta.credits_pending += release.credits_pending
    return deltas
