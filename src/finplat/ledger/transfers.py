"""Transfers of one account to many, written together by ``bulk.write_entries``, and the
reads a bulk writer sizes its entries from (what an account can pay, which are blocked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.money import Money
from finplat.ledger.bulk import lock_accounts, write_entries
from finplat.ledger.exceptions import InvalidPostings
from finplat.ledger.posting import ACCOUNT, CREDIT, EntrySpec, Leg, credit, debit


@dataclass(frozen=True, slots=True)
class Transfer:
    """One entry of ``transfers``: ``debit_account_id`` pays every ``(account_id, amount)``."""

    source_type: str
    source_id: str
    code: str
    debit_account_id: int
    credits: Sequence[tuple[int, Money]]
    reference: str | None = None
    metadata: Mapping[str, Any] | None = None


def _transfer_spec(transfer: Transfer) -> EntrySpec:
    if not transfer.credits:
        raise InvalidPostings("an entry needs two or more postings")
    if any(account_id == transfer.debit_account_id for account_id, _ in transfer.credits):
        raise InvalidPostings("the paying account cannot also be credited")
    currency = transfer.credits[0][1].currency
    total = sum(amount.amount_minor for _account, amount in transfer.credits)
    legs: list[Leg] = [debit(transfer.debit_account_id, Money(total, currency))]
    legs += [credit(account_id, amount) for account_id, amount in transfer.credits]
    return EntrySpec(source_type=transfer.source_type, source_id=transfer.source_id,
                     code=transfer.code, entry_type="transfer", legs=legs,
                     reference=transfer.reference, metadata=transfer.metadata)


async def transfers(session: AsyncSession, *, entries: Sequence[Transfer],
                    now: datetime) -> list[int]:
    """Many one-to-many entries written together (``write_entries``: a constant number of
    statements), limits decided on each account's net movement; returns their ids in order.
    Raises what ``write_entries`` raises."""
    return await write_entries(session, [_transfer_spec(t) for t in entries], now=now)


async def transfer_to_many(session: AsyncSession, *, source_type: str, source_id: str, code: str,
                           debit_account_id: int, credits: Sequence[tuple[int, Money]],
                           now: datetime, reference: str | None = None,
                           metadata: Mapping[str, Any] | None = None) -> int:
    """One entry: ``debit_account_id`` pays every ``(account_id, amount)`` of ``credits`` (an
    account may appear more than once); returns its id. Raises what ``write_entries`` raises."""
    [entry_id] = await transfers(session, now=now, entries=[Transfer(
        source_type=source_type, source_id=source_id, code=code,
        debit_account_id=debit_account_id, credits=credits, reference=reference,
        metadata=metadata)])
    return entry_id


async def lock_available(session: AsyncSession, *, account_ids: Sequence[int]) -> dict[int, int]:
    """Account id -> what it can pay now (posted balance less open holds), read under the
    accounts' row locks (ascending id), for accounts that keep a running balance. A bulk
    writer sizes its debits from this in the same transaction, so its entries fit.
    Raises ``AccountNotFound``; ``InvalidPostings`` for a hot account (no running balance)."""
    states = await lock_accounts(session, account_ids)
    available = {}
    for account_id, state in states.items():
        if not state.tracks_balance:
            raise InvalidPostings("a hot account keeps no running balance to pay from")
        if state.normal_balance == CREDIT:
            available[account_id] = (state.credits_posted - state.debits_posted
                                     - state.debits_pending)
        else:
            available[account_id] = (state.debits_posted - state.credits_posted
                                     - state.credits_pending)
    return available


async def blocked_accounts(session: AsyncSession, *, account_ids: Sequence[int]) -> set[int]:
    """Which of ``account_ids`` are frozen or closed now (read without a lock: a bulk write
    still refuses one blocked meanwhile)."""
    if not account_ids:
        return set()
    a = ACCOUNT.c
    rows = await session.scalars(select(a.id).where(a.id.in_(sorted(set(account_ids))),
                                                    a.status != "open"))
    return set(rows)


__all__ = ["Transfer", "blocked_accounts", "lock_available", "transfer_to_many", "transfers"]
