"""The ledger's typed errors. Codes are stable: other packages and clients match on them."""

from __future__ import annotations

from finplat.core.errors import Conflict, DomainError, InvalidInput, NotFound


class InsufficientFunds(Conflict):
    def __init__(self, account_id: int) -> None:
        super().__init__("ledger.insufficient_funds", "the available balance is not enough",
                         extra={"account_id": account_id})


class AccountFrozen(Conflict):
    def __init__(self, account_id: int) -> None:
        super().__init__("ledger.account_frozen", "the account is frozen: no money may move",
                         extra={"account_id": account_id})


class AccountClosed(Conflict):
    def __init__(self, account_id: int) -> None:
        super().__init__("ledger.account_closed", "the account is closed",
                         extra={"account_id": account_id})


class AccountNotFound(NotFound):
    def __init__(self, account_id: int | None = None) -> None:
        super().__init__("ledger.account_not_found", "no such account")


class HoldNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("ledger.hold_not_found", "no such hold")


class HoldNotOpen(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__("ledger.hold_not_open", f"the hold is already {status}")


class DuplicateSource(Conflict):
    """The business source (``source_type`` + ``source_id``) already has an entry."""

    def __init__(self, source_type: str, source_id: str) -> None:
        super().__init__("ledger.duplicate_source",
                         f"an entry for {source_type} {source_id} already exists")


class AlreadyReversed(Conflict):
    def __init__(self) -> None:
        super().__init__("ledger.already_reversed", "the entry has already been reversed")


class NotReversible(Conflict):
    def __init__(self, reason: str) -> None:
        super().__init__("ledger.not_reversible", reason)


class AccountNotEmpty(Conflict):
    def __init__(self) -> None:
        super().__init__("ledger.account_not_empty",
                         "only an account at zero with no pending holds can be closed")


class InvalidPostings(InvalidInput):
    def __init__(self, detail: str) -> None:
        super().__init__("ledger.invalid_postings", detail)


class Unbalanced(DomainError):
    """Debits and credits of an entry differ: a bug in the caller, never a user error."""

    status = 500
    title = "Unbalanced entry"

    def __init__(self, detail: str) -> None:
        super().__init__("ledger.unbalanced", detail)
