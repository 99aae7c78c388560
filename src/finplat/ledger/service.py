"""The ledger's public service API. Every function works in the caller's transaction
(``session``: one use case = one transaction), is keyword-only after ``session``, takes amounts
as ``Money`` and ``now`` from the caller.

Other packages use this module only (``from finplat.ledger import service as ledger_service``).
On any ``DomainError`` raised here the caller's transaction must be rolled back (``Database.run``
does): the ledger does not undo partial work itself.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.errors import field_error
from finplat.core.money import Money
from finplat.ledger import accounts, chart, queries
from finplat.ledger.accounts import (
    ensure_platform_accounts,
    open_customer_wallet,
    wallet_and_platform_ids,
    wallet_of,
    wallets_of,
)
from finplat.ledger.bulk import MAX_POSTINGS
from finplat.ledger.bulk_holds import post_holds, void_holds
from finplat.ledger.chart import INSTITUTION_SETTLEMENT, PRODUCT_ESCROW
from finplat.ledger.distribute import Payment, pay_many
from finplat.ledger.exceptions import AccountNotFound, HoldNotFound
from finplat.ledger.holds import expire_holds, get_hold, hold, post_hold, void_hold
from finplat.ledger.journal import reverse, transfer
from finplat.ledger.posting import Leg, credit, debit
from finplat.ledger.queries import Balance, StatementLine, StatementPage, statement
from finplat.ledger.spread import Spread, blocked_keys, credit_many, wallet_join
from finplat.ledger.transfers import (
    Transfer,
    blocked_accounts,
    lock_available,
    transfer_to_many,
    transfers,
)

JUDICIAL_FREEZE_SOURCE = "ledger_judicial_freeze"
JUDICIAL_FREEZE_CODE = "judicial_freeze"

__all__ = [
    "INSTITUTION_SETTLEMENT",
    "MAX_POSTINGS",
    "PRODUCT_ESCROW",
    "Balance",
    "Leg",
    "Payment",
    "Spread",
    "StatementLine",
    "StatementPage",
    "Transfer",
    "account_for",
    "balance",
    "blocked_accounts",
    "blocked_keys",
    "close_account",
    "credit",
    "credit_many",
    "debit",
    "ensure_platform_accounts",
    "expire_holds",
    "find_account",
    "freeze_account",
    "freeze_amount",
    "get_account",
    "get_hold",
    "hold",
    "lock_available",
    "open_customer_wallet",
    "pay_many",
    "platform_account",
    "post_hold",
    "post_holds",
    "reverse",
    "statement",
    "transfer",
    "transfer_to_many",
    "transfers",
    "unfreeze_account",
    "unfreeze_amount",
    "void_hold",
    "void_holds",
    "wallet_and_platform_ids",
    "wallet_join",
    "wallet_of",
    "wallets_of",
]


async def account_for(session: AsyncSession, *, kind: str, reference: str, now: datetime,
                      owner_user_id: int | None = None, name: str | None = None) -> int:
    """Get-or-create the account of ``kind`` (see ``finplat.ledger.chart``) for ``reference``
    (``product:12``, ``institution:3``, ``campaign:7``, ``loan:5``); returns its id.

    Raises ``InvalidInput`` for an unknown kind or a malformed reference.
    """
    found = await accounts.get_or_create(session, kind=kind, reference=reference, now=now,
                                         owner_user_id=owner_user_id, name=name)
    return found.id


async def find_account(session: AsyncSession, *, kind: str, reference: str) -> int | None:
    """The id of the account of ``kind`` for ``reference`` if it was ever opened (a read: unlike
    ``account_for`` it opens nothing)."""
    found = await accounts.find(session, kind=kind, reference=reference)
    return None if found is None else found.id


async def platform_account(session: AsyncSession, *, kind: str, now: datetime) -> int:
    """The id of one of the platform's own accounts (``custody_cash``, ``fee_revenue``,
    ``marketing_expense``, ``risk_reserve``, ``suspense``), created on first use."""
    if kind not in chart.PLATFORM_KINDS:
        raise field_error("kind", f"{kind!r} is not a platform account")
    return await accounts.platform_account_id(session, kind, now=now)


async def balance(session: AsyncSession, *, account_id: int) -> Balance:
    """(balance, available, frozen) of an account. Raises ``AccountNotFound``."""
    return await queries.balance(session, account_id=account_id)


async def get_account(session: AsyncSession, *, account_id: int) -> accounts.LedgerAccount:
    """Raises ``AccountNotFound``."""
    return await accounts.get(session, account_id)


async def _set_status(session: AsyncSession, *, account_id: int, status: str, action: str,
                      reason: str, actor_id: int | None, now: datetime) -> accounts.LedgerAccount:
    _check_reason(reason)
    found = await accounts.get(session, account_id)
    if not found.tracks_balance:
        # The platform's hot books (custody cash, fee revenue, escrow) move with every
        # customer transaction; stopping them is an operational decision, not an account freeze.
        raise field_error("account_id", "the platform's pooled accounts cannot be frozen or closed",
                          code="ledger.account_not_freezable")
    updated = await accounts.set_status(session, account_id=account_id, status=status, now=now)
    await audit_service.record(session, action=action, target_type="ledger_account",
                               target_id=account_id, now=now, actor_id=actor_id,
                               summary={"status": status, "reason": reason})
    return updated


async def freeze_account(session: AsyncSession, *, account_id: int, reason: str,
                         actor_id: int | None, now: datetime) -> accounts.LedgerAccount:
    """Stop all movement on an account (audited). Raises ``AccountNotFound``, ``AccountClosed``."""
    return await _set_status(session, account_id=account_id, status="frozen", reason=reason,
                             action="ledger.account_frozen", actor_id=actor_id, now=now)


async def unfreeze_account(session: AsyncSession, *, account_id: int, reason: str,
                           actor_id: int | None, now: datetime) -> accounts.LedgerAccount:
    """Allow movement again (audited). Raises ``AccountNotFound``, ``AccountClosed``."""
    return await _set_status(session, account_id=account_id, status="open", reason=reason,
                             action="ledger.account_unfrozen", actor_id=actor_id, now=now)


async def close_account(session: AsyncSession, *, account_id: int, reason: str,
                        actor_id: int | None, now: datetime) -> accounts.LedgerAccount:
    """Close an account at zero with no holds (audited). Raises ``AccountNotFound``,
    ``AccountClosed``, ``AccountNotEmpty``."""
    return await _set_status(session, account_id=account_id, status="closed", reason=reason,
                             action="ledger.account_closed", actor_id=actor_id, now=now)


def _key_digest(request_key: str) -> str:
    # Keys are up to 64 characters; the digest keeps ``account_id:key`` within a source id.
    return hashlib.sha256(request_key.encode()).hexdigest()[:40]


def _check_reason(reason: str) -> None:
    if not isinstance(reason, str) or not 1 <= len(reason.strip()) <= 200:
        raise field_error("reason", "must be 1 to 200 characters")


async def freeze_amount(session: AsyncSession, *, account_id: int, amount: Money, reason: str,
                        request_key: str, actor_id: int | None, now: datetime) -> int:
    """A judicial freeze: hold ``amount`` of an account until unfrozen (audited); returns the
    hold id. ``request_key`` makes the freeze unique (the staff request's idempotency key).

    Raises ``InsufficientFunds``, ``AccountFrozen``, ``AccountClosed``, ``AccountNotFound``,
    ``DuplicateSource``.
    """
    _check_reason(reason)
    suspense = await accounts.platform_account_id(session, chart.SUSPENSE, now=now)
    if account_id == suspense:
        raise AccountNotFound(account_id)
    hold_id = await hold(session, source_type=JUDICIAL_FREEZE_SOURCE,
                         source_id=f"{account_id}:{_key_digest(request_key)}",
                         code=JUDICIAL_FREEZE_CODE,
                         debit_account_id=account_id, credit_account_id=suspense, amount=amount,
                         now=now, metadata={"reason": reason})
    await audit_service.record(session, action="ledger.amount_frozen", target_type="ledger_account",
                               target_id=account_id, now=now, actor_id=actor_id,
                               summary={"hold_id": hold_id, "amount_minor": amount.amount_minor,
                                        "reason": reason})
    return hold_id


async def unfreeze_amount(session: AsyncSession, *, account_id: int, hold_id: int, reason: str,
                          actor_id: int | None, now: datetime) -> int:
    """Release a judicial freeze of ``account_id`` (audited); returns the release entry id.
    Raises ``HoldNotFound`` (also for a hold that is not a judicial freeze of this account),
    ``HoldNotOpen``."""
    _check_reason(reason)
    found = await get_hold(session, hold_id=hold_id)
    if found.debit_account_id != account_id or found.code != JUDICIAL_FREEZE_CODE:
        raise HoldNotFound()
    entry_id = await void_hold(session, hold_id=hold_id, now=now, metadata={"reason": reason})
    await audit_service.record(session, action="ledger.amount_unfrozen",
                               target_type="ledger_account", target_id=account_id, now=now,
                               actor_id=actor_id, summary={"hold_id": hold_id, "reason": reason})
    return entry_id
