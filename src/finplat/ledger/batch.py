"""Set-based posting: many two-leg transfers in a handful of statements, whatever their number.

For bulk work the platform does itself (interest to every investor of a product, a day's
channel settlements): the round trips, not the rows, are what cost. Entries go in with one
multi-row INSERT, each touched account is updated once with the batch's net amounts, and the
postings go in with one multi-row INSERT; on PostgreSQL all of it is one round trip (a function
that locks the rows in id order and checks the limits first). The whole batch succeeds or fails
together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.core.money import Money
from finplat.ledger.exceptions import DuplicateSource, InvalidPostings
from finplat.ledger.posting import (
    CREDIT,
    DEBIT,
    ENTRY,
    PG_REFUSALS,
    POSTING,
    AccountState,
    Delta,
    apply_deltas,
    dialect,
    load_accounts,
    validate_source,
)

MAX_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class TransferRequest:
    source_type: str
    source_id: str
    code: str
    debit_account_id: int
    credit_account_id: int
    amount: Money
    reference: str | None = None
    metadata: Mapping[str, Any] | None = None


def _validate(transfers: Sequence[TransferRequest]) -> None:
    if not 1 <= len(transfers) <= MAX_BATCH:
        raise field_error("transfers", f"a batch holds 1 to {MAX_BATCH} transfers")
    currencies = set()
    for request in transfers:
        validate_source(request.source_type, request.source_id, request.code)
        if request.amount.amount_minor <= 0:
            raise InvalidPostings("every transfer amount must be positive")
        if request.debit_account_id == request.credit_account_id:
            raise InvalidPostings("a transfer needs two different accounts")
        currencies.add(request.amount.currency)
    if len(currencies) != 1:
        raise InvalidPostings("a batch is in one currency")
    if len({(r.source_type, r.source_id) for r in transfers}) != len(transfers):
        raise InvalidPostings("a batch names each source once")


def _net(transfers: Sequence[TransferRequest]) -> dict[int, Delta]:
    deltas: dict[int, Delta] = {}
    for request in transfers:
        amount = request.amount.amount_minor
        deltas.setdefault(request.debit_account_id, Delta()).debits_posted += amount
        deltas.setdefault(request.credit_account_id, Delta()).credits_posted += amount
    return deltas


_PG_WRITE_BATCH = text(
    "SELECT entry_ids, error_code, error_account FROM ledger_write_batch(:now, :currency, "
    ":source_types, :source_ids, :codes, :references, CAST(:metadata AS JSONB[]), "
    ":debit_accounts, :credit_accounts, :amounts, :accounts, :debits, :credits)")


async def _write_postgresql(session: AsyncSession, transfers: Sequence[TransferRequest],
                            deltas: Mapping[int, Delta], now: datetime) -> list[int]:
    """The whole batch in one round trip (``ledger_write_batch``, migration 0003): entries,
    account totals locked in id order and guarded, postings with their balance after."""
    accounts = sorted(deltas)
    parameters = {
        "now": now, "currency": transfers[0].amount.currency,
        "source_types": [r.source_type for r in transfers],
        "source_ids": [r.source_id for r in transfers], "codes": [r.code for r in transfers],
        "references": [r.reference for r in transfers],
        "metadata": [json.dumps(dict(r.metadata or {}), ensure_ascii=False, default=str)
                     for r in transfers],
        "debit_accounts": [r.debit_account_id for r in transfers],
        "credit_accounts": [r.credit_account_id for r in transfers],
        "amounts": [r.amount.amount_minor for r in transfers], "accounts": accounts,
        "debits": [deltas[a].debits_posted for a in accounts],
        "credits": [deltas[a].credits_posted for a in accounts],
    }
    try:
        row = (await session.execute(_PG_WRITE_BATCH, parameters)).one()
    except IntegrityError as error:
        raise DuplicateSource("batch", "one of its sources") from error
    if row.error_code is not None:
        raise PG_REFUSALS[row.error_code](row.error_account)
    return [int(entry_id) for entry_id in row.entry_ids]


def _posting_rows(transfers: Sequence[TransferRequest], entry_ids: Sequence[int],
                  states: Mapping[int, AccountState], deltas: Mapping[int, Delta],
                  after: Mapping[int, tuple[int, int, int]], now: datetime) -> list[dict[str, Any]]:
    running = {a: [d - deltas[a].debits_posted, c - deltas[a].credits_posted]
               for a, (d, c, _version) in after.items()}
    rows = []
    for request, entry_id in zip(transfers, entry_ids, strict=True):
        for account_id, direction in ((request.debit_account_id, DEBIT),
                                      (request.credit_account_id, CREDIT)):
            balance_after = version = None
            if account_id in running:
                totals = running[account_id]
                totals[0 if direction == DEBIT else 1] += request.amount.amount_minor
                balance_after = states[account_id].balance_minor(totals[0], totals[1])
                version = after[account_id][2]
            rows.append({"entry_id": entry_id, "account_id": account_id, "direction": direction,
                         "amount_minor": request.amount.amount_minor, "pending": False,
                         "balance_after_minor": balance_after, "account_version": version,
                         "created_at": now})
    return rows


async def transfer_many(session: AsyncSession, *, transfers: Sequence[TransferRequest],
                        now: datetime) -> list[int]:
    """Post many two-leg transfers at once, all or nothing; returns entry ids in order.

    Limits are checked on each account's net movement over the batch. Every touched account
    advances its version once per batch. Raises ``InsufficientFunds``, ``AccountFrozen``,
    ``AccountClosed``, ``AccountNotFound``, ``DuplicateSource``, ``InvalidPostings``.
    """
    now = ensure_utc(now)
    _validate(transfers)
    deltas = _net(transfers)
    if dialect(session).name == "postgresql":
        return await _write_postgresql(session, transfers, deltas, now)
    states = await load_accounts(session, list(deltas))
    currency = transfers[0].amount.currency
    if any(state.currency != currency for state in states.values()):
        raise InvalidPostings("posting currency differs from the account's currency")
    try:
        result = await session.execute(
            insert(ENTRY).returning(ENTRY.c.id, sort_by_parameter_order=True),
            [{"source_type": r.source_type, "source_id": r.source_id, "code": r.code,
              "entry_type": "transfer", "hold_id": None, "reverses_entry_id": None,
              "reference": r.reference, "metadata": dict(r.metadata or {}), "created_at": now}
             for r in transfers])
    except IntegrityError as error:
        raise DuplicateSource("batch", "one of its sources") from error
    entry_ids = [row[0] for row in result.all()]
    after = await apply_deltas(session, states, deltas, now, allow_frozen=False)
    await session.execute(insert(POSTING),
                          _posting_rows(transfers, entry_ids, states, deltas, after, now))
    return entry_ids
