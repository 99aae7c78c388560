"""Holds: a pending debit (a freeze) that is later posted in full or in part, voided, or expires."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.core.money import CNY, Money
from finplat.core.statements import GuardedUpdate
from finplat.ledger.exceptions import HoldNotFound, HoldNotOpen
from finplat.ledger.models import LedgerHold
from finplat.ledger.posting import (
    Delta,
    EntrySpec,
    credit,
    debit,
    write_entry,
    write_entry_then,
)

HOLD = cast(Table, LedgerHold.__table__)
HOLD_SOURCE = "ledger_hold"
EXPIRY_BATCH_LIMIT = 500


async def hold(session: AsyncSession, *, source_type: str, source_id: str, code: str,
               debit_account_id: int, credit_account_id: int, amount: Money, now: datetime,
               expires_at: datetime | None = None, reference: str | None = None,
               metadata: Mapping[str, Any] | None = None) -> int:
    """Freeze ``amount`` on ``debit_account_id`` towards ``credit_account_id``; returns the hold id.

    The available balance drops at once (available = balance - pending debits), guarded in the
    same statement that records it. Raises ``InsufficientFunds``, ``AccountFrozen``,
    ``AccountClosed``, ``AccountNotFound``, ``DuplicateSource``, ``InvalidPostings``.
    """
    now = ensure_utc(now)
    if expires_at is not None and ensure_utc(expires_at) <= now:
        raise field_error("expires_at", "must be in the future")
    if debit_account_id == credit_account_id:
        raise field_error("credit_account_id", "must differ from the debited account")
    spec = EntrySpec(source_type=source_type, source_id=source_id, code=code, entry_type="hold",
                     legs=[debit(debit_account_id, amount), credit(credit_account_id, amount)],
                     pending=True, reference=reference, metadata=metadata)
    # The hold's row goes with its entry (one round trip on PostgreSQL).
    _entry_id, hold_id = await write_entry_then(session, spec, now=now, table=HOLD, row={
        "debit_account_id": debit_account_id, "credit_account_id": credit_account_id,
        "amount_minor": amount.amount_minor, "posted_minor": 0, "status": "open", "code": code,
        "expires_at": None if expires_at is None else ensure_utc(expires_at), "created_at": now})
    return hold_id


def _claiming(posted: Any, *guards: Any) -> GuardedUpdate:
    h = HOLD.c
    return GuardedUpdate(
        update(HOLD).where(h.id == bindparam("h_id"), h.status == "open", *guards)
        .values(status=bindparam("h_status"), posted_minor=posted,
                resolved_at=bindparam("h_now")),
        (h.debit_account_id, h.credit_account_id, h.amount_minor, h.posted_minor, h.code),
        reread=h.id == bindparam("h_id"))


# Built once (values as parameters): posted for a given amount, posted in full, released.
_CLAIM_AMOUNT = _claiming(bindparam("h_amount"), HOLD.c.amount_minor >= bindparam("h_amount"))
_CLAIM_ALL = _claiming(HOLD.c.amount_minor)
_CLAIM_NONE = _claiming(0)


async def _claim(session: AsyncSession, hold_id: int, *, status: str, now: datetime,
                 amount_minor: int | None = None) -> Any:
    """Move an open hold to ``status`` in one guarded statement (the hold row is the lock)."""
    h = HOLD.c
    claim = (_CLAIM_AMOUNT if amount_minor is not None
             else _CLAIM_ALL if status == "posted" else _CLAIM_NONE)
    row = await claim(session, {"h_id": hold_id, "h_status": status, "h_now": now,
                                "h_amount": amount_minor})
    if row is not None:
        return row
    current = (await session.execute(select(h.status, h.amount_minor)
                                     .where(h.id == hold_id))).first()
    if current is None:
        raise HoldNotFound()
    if current.status != "open":
        raise HoldNotOpen(current.status)
    raise field_error("amount_minor", f"must not exceed the held {current.amount_minor} fen")


def _release(row: Any) -> dict[int, Delta]:
    return {row.debit_account_id: Delta(debits_pending=-row.amount_minor),
            row.credit_account_id: Delta(credits_pending=-row.amount_minor)}


async def post_hold(session: AsyncSession, *, hold_id: int, now: datetime,
                    amount: Money | None = None, source_type: str = HOLD_SOURCE,
                    source_id: str | None = None, code: str | None = None,
                    reference: str | None = None,
                    metadata: Mapping[str, Any] | None = None) -> int:
    """Settle a hold: ``amount`` (default: all of it) moves for real, the rest is released.

    Returns the id of the posting entry. Raises ``HoldNotFound``, ``HoldNotOpen``,
    ``InvalidInput`` (more than held), ``AccountFrozen``, ``AccountClosed``.
    """
    now = ensure_utc(now)
    amount_minor = None if amount is None else amount.amount_minor
    if amount_minor is not None and amount_minor <= 0:
        raise field_error("amount_minor", "must be positive")
    row = await _claim(session, hold_id, status="posted", now=now, amount_minor=amount_minor)
    posted = Money(row.posted_minor, amount.currency if amount else CNY)
    legs = [debit(row.debit_account_id, posted), credit(row.credit_account_id, posted)]
    spec = EntrySpec(source_type=source_type, source_id=source_id or f"{hold_id}:post",
                     code=code or row.code, entry_type="hold_post", legs=legs,
                     releases=_release(row), hold_id=hold_id, reference=reference,
                     metadata={"held_minor": row.amount_minor, **(metadata or {})})
    return await write_entry(session, spec, now=now)


async def void_hold(session: AsyncSession, *, hold_id: int, now: datetime,
                    source_type: str = HOLD_SOURCE, source_id: str | None = None,
                    reference: str | None = None, metadata: Mapping[str, Any] | None = None,
                    expired: bool = False) -> int:
    """Release a hold in full (unfreeze); returns the id of the (posting-less) release entry.

    Allowed on a frozen account, since it only gives money back. Raises ``HoldNotFound``,
    ``HoldNotOpen``, ``AccountClosed``.
    """
    now = ensure_utc(now)
    status, entry_type = ("expired", "hold_expire") if expired else ("voided", "hold_void")
    row = await _claim(session, hold_id, status=status, now=now)
    spec = EntrySpec(source_type=source_type,
                     source_id=source_id or f"{hold_id}:{'expire' if expired else 'void'}",
                     code=row.code, entry_type=entry_type, legs=[], releases=_release(row),
                     hold_id=hold_id, reference=reference, metadata=metadata, allow_frozen=True)
    return await write_entry(session, spec, now=now)


async def expired_hold_ids(session: AsyncSession, *, now: datetime,
                           limit: int = EXPIRY_BATCH_LIMIT) -> list[int]:
    h = HOLD.c
    rows = await session.scalars(
        select(h.id).where(h.status == "open", h.expires_at.is_not(None),
                           h.expires_at <= ensure_utc(now)).order_by(h.id).limit(limit))
    return list(rows)


async def expire_holds(session: AsyncSession, *, now: datetime,
                       limit: int = EXPIRY_BATCH_LIMIT) -> int:
    """Release up to ``limit`` holds whose ``expires_at`` has passed; returns how many."""
    count = 0
    for hold_id in await expired_hold_ids(session, now=now, limit=limit):
        try:
            await void_hold(session, hold_id=hold_id, now=now, expired=True)
        except HoldNotOpen:
            continue  # settled by its owner since the scan; nothing left to release
        count += 1
    return count


async def get_hold(session: AsyncSession, *, hold_id: int) -> LedgerHold:
    """Raises ``HoldNotFound``."""
    found = await session.get(LedgerHold, hold_id, populate_existing=True)
    if found is None:
        raise HoldNotFound()
    return found
