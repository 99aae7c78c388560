"""Journal entries: transfers of two or more legs, and reversals (entries are never edited)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import field_error
from finplat.core.money import Money
from finplat.ledger.exceptions import AlreadyReversed, NotReversible
from finplat.ledger.models import LedgerAccount, LedgerEntry, LedgerPosting
from finplat.ledger.posting import CREDIT, DEBIT, EntrySpec, Leg, credit, debit, write_entry

REVERSIBLE = ("transfer", "hold_post")
REVERSAL_SOURCE = "ledger_reversal"


def legs_for(*, postings: Sequence[Leg] | None, debit_account_id: int | None,
             credit_account_id: int | None, amount: Money | None) -> list[Leg]:
    """Either explicit ``postings`` or the two-leg shorthand, never both."""
    shorthand = (debit_account_id, credit_account_id, amount)
    if postings is not None:
        if any(value is not None for value in shorthand):
            raise field_error("postings", "give postings or debit/credit/amount, not both")
        return list(postings)
    if any(value is None for value in shorthand):
        raise field_error("postings", "give postings or all of debit/credit/amount")
    assert debit_account_id is not None and credit_account_id is not None and amount is not None
    if debit_account_id == credit_account_id:
        raise field_error("credit_account_id", "must differ from the debited account")
    return [debit(debit_account_id, amount), credit(credit_account_id, amount)]


async def transfer(session: AsyncSession, *, source_type: str, source_id: str, code: str,
                   now: datetime, postings: Sequence[Leg] | None = None,
                   debit_account_id: int | None = None, credit_account_id: int | None = None,
                   amount: Money | None = None, reference: str | None = None,
                   metadata: Mapping[str, Any] | None = None) -> int:
    """Post one balanced entry now; returns its id.

    ``source_type`` + ``source_id`` name the business event (unique: the same event can never be
    booked twice). Raises ``InsufficientFunds``, ``AccountFrozen``, ``AccountClosed``,
    ``AccountNotFound``, ``DuplicateSource``, ``InvalidPostings``, ``Unbalanced`` (a bug).
    """
    legs = legs_for(postings=postings, debit_account_id=debit_account_id,
                    credit_account_id=credit_account_id, amount=amount)
    spec = EntrySpec(source_type=source_type, source_id=source_id, code=code,
                     entry_type="transfer", legs=legs, reference=reference, metadata=metadata)
    return await write_entry(session, spec, now=now)


async def reverse(session: AsyncSession, *, entry_id: int, now: datetime, reason: str,
                  source_type: str = REVERSAL_SOURCE, source_id: str | None = None,
                  code: str | None = None) -> int:
    """Book the mirror image of a posted entry (the only way to correct one); returns its id.

    Raises ``NotFound``-style ``InvalidInput`` for an unknown entry, ``NotReversible`` (a hold,
    a release or a reversal), ``AlreadyReversed``, and the errors of ``transfer`` (a wallet that
    has spent the money cannot give it back: ``InsufficientFunds``).
    """
    if not 1 <= len(reason) <= 200:
        raise field_error("reason", "must be 1 to 200 characters")
    original = await session.get(LedgerEntry, entry_id)
    if original is None:
        raise field_error("entry_id", "no such entry", code="ledger.entry_not_found")
    if original.entry_type not in REVERSIBLE:
        raise NotReversible(f"a {original.entry_type} entry cannot be reversed")
    already = await session.scalar(select(LedgerEntry.id)
                                   .where(LedgerEntry.reverses_entry_id == entry_id))
    if already is not None:
        raise AlreadyReversed()
    rows = (await session.execute(
        select(LedgerPosting.account_id, LedgerPosting.direction, LedgerPosting.amount_minor,
               LedgerAccount.currency)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerPosting.entry_id == entry_id, LedgerPosting.pending.is_(False))
        .order_by(LedgerPosting.id))).all()
    legs = [Leg(row.account_id, CREDIT if row.direction == DEBIT else DEBIT,
                Money(row.amount_minor, row.currency)) for row in rows]
    spec = EntrySpec(source_type=source_type, source_id=source_id or str(entry_id),
                     code=code or original.code, entry_type="reversal", legs=legs,
                     reverses_entry_id=entry_id, reference=original.reference,
                     metadata={"reason": reason, "reverses_entry_id": entry_id})
    return await write_entry(session, spec, now=now)


__all__ = ["Leg", "credit", "debit", "legs_for", "reverse", "transfer"]
