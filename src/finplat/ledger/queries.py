"""Reads: balances (cached or derived from postings), statements, accounts and holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.core.money import Money
from finplat.core.pagination import MAX_LIMIT, Page, PageParams, page_of
from finplat.ledger.exceptions import AccountNotFound
from finplat.ledger.models import LedgerAccount, LedgerEntry, LedgerHold, LedgerPosting

ACCOUNT = LedgerAccount.__table__
ENTRY = LedgerEntry.__table__
POSTING = LedgerPosting.__table__
HOLD = LedgerHold.__table__


@dataclass(frozen=True, slots=True)
class Totals:
    debits_posted: int
    credits_posted: int
    debits_pending: int
    credits_pending: int


@dataclass(frozen=True, slots=True)
class Balance:
    """``balance`` on the account's normal side; ``frozen`` = pending outflows (holds);
    ``available`` = balance - frozen."""

    account_id: int
    balance: Money
    available: Money
    frozen: Money

    def as_json(self) -> dict[str, Any]:
        return {"balance_minor": self.balance.amount_minor,
                "available_minor": self.available.amount_minor,
                "frozen_minor": self.frozen.amount_minor, "currency": self.balance.currency}


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One business movement of an account. A hold is one line: ``pending`` (frozen) while
    open, ``voided`` once released (nothing moved), and once posted it is shown only as the
    posting that settled it (``posted``)."""

    posting_id: int
    entry_id: int
    code: str
    direction: str  # "in" or "out", seen from the account's owner
    amount: Money
    pending: bool
    balance_after_minor: int | None
    created_at: datetime
    reference: str | None
    status: str = "posted"  # pending | posted | voided

    def as_json(self) -> dict[str, Any]:
        return {"id": self.posting_id, "entry_id": self.entry_id, "type": self.code,
                "amount_minor": self.amount.amount_minor, "currency": self.amount.currency,
                "direction": self.direction, "status": self.status,
                "balance_after_minor": self.balance_after_minor,
                "created_at": self.created_at.isoformat(), "reference": self.reference}


# A page of ``StatementLine``s (``items``, ``next_cursor``).
StatementPage = Page


def _signed(column: Any, direction: str) -> Any:
    return func.coalesce(func.sum(case((POSTING.c.direction == direction, column), else_=0)), 0)


async def derived_totals(session: AsyncSession, account_id: int) -> Totals:
    """Totals recomputed from postings and open holds (the truth the cache must equal)."""
    posted = (await session.execute(
        select(_signed(POSTING.c.amount_minor, "debit"), _signed(POSTING.c.amount_minor, "credit"))
        .where(POSTING.c.account_id == account_id, POSTING.c.pending.is_(False))
    )).one()
    open_holds = HOLD.c.status == "open"
    debits_pending = await session.scalar(
        select(func.coalesce(func.sum(HOLD.c.amount_minor), 0))
        .where(open_holds, HOLD.c.debit_account_id == account_id))
    credits_pending = await session.scalar(
        select(func.coalesce(func.sum(HOLD.c.amount_minor), 0))
        .where(open_holds, HOLD.c.credit_account_id == account_id))
    return Totals(int(posted[0]), int(posted[1]), int(debits_pending or 0),
                  int(credits_pending or 0))


async def account(session: AsyncSession, *, account_id: int) -> LedgerAccount:
    """Raises ``AccountNotFound``."""
    found = await session.get(LedgerAccount, account_id, populate_existing=True)
    if found is None:
        raise AccountNotFound(account_id)
    return found


async def totals(session: AsyncSession, found: LedgerAccount) -> Totals:
    if found.tracks_balance:
        return Totals(found.debits_posted, found.credits_posted, found.debits_pending,
                      found.credits_pending)
    return await derived_totals(session, found.id)


async def balance(session: AsyncSession, *, account_id: int) -> Balance:
    """Raises ``AccountNotFound``."""
    found = await account(session, account_id=account_id)
    t = await totals(session, found)
    if found.normal_balance == "credit":
        amount, frozen = t.credits_posted - t.debits_posted, t.debits_pending
    else:
        amount, frozen = t.debits_posted - t.credits_posted, t.credits_pending
    currency = found.currency
    return Balance(found.id, Money(amount, currency), Money(amount - frozen, currency),
                   Money(frozen, currency))


def _line_status(pending: bool, hold_status: str | None) -> str:
    if not pending:
        return "posted"
    return "pending" if hold_status in (None, "open") else "voided"  # voided or expired


async def statement(session: AsyncSession, *, account_id: int, from_at: datetime | None = None,
                    to_at: datetime | None = None, codes: Sequence[str] | None = None,
                    cursor: str | None = None, limit: int = 20) -> StatementPage:
    """The account's movements (``StatementLine``: one per business movement, a hold and its
    posting being one), newest first, in ``[from_at, to_at)``, optionally of some entry
    ``codes``. Raises ``AccountNotFound``, ``InvalidInput`` (bad cursor or limit)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise field_error("limit", f"must be 1 to {MAX_LIMIT}")
    found = await account(session, account_id=account_id)
    p, e, h = POSTING.c, ENTRY.c, HOLD.c
    query = (select(p.id, p.entry_id, e.code, p.direction, p.amount_minor, p.pending,
                    p.balance_after_minor, p.created_at, e.reference,
                    h.status.label("hold_status"))
             .join(ENTRY, e.id == p.entry_id)
             # Pending legs belong to a hold entry; a posted hold shows as its posting alone.
             .outerjoin(HOLD, and_(p.pending.is_(True), h.entry_id == p.entry_id))
             .where(p.account_id == account_id,
                    or_(h.status.is_(None), h.status != "posted")))
    if from_at is not None:
        query = query.where(p.created_at >= ensure_utc(from_at))
    if to_at is not None:
        query = query.where(p.created_at < ensure_utc(to_at))
    if codes:
        query = query.where(e.code.in_(list(codes)))
    page = PageParams(limit=limit, cursor=cursor)
    if page.last_id is not None:
        query = query.where(p.id < page.last_id)
    rows = (await session.execute(query.order_by(p.id.desc()).limit(page.fetch_limit))).all()
    inward = "credit" if found.normal_balance == "credit" else "debit"
    return page_of(rows, page, item=lambda row: StatementLine(
        posting_id=row.id, entry_id=row.entry_id, code=row.code,
        direction="in" if row.direction == inward else "out",
        amount=Money(row.amount_minor, found.currency), pending=bool(row.pending),
        balance_after_minor=row.balance_after_minor,
        created_at=row.created_at, reference=row.reference,
        status=_line_status(bool(row.pending), row.hold_status),
    ))


async def accounts(session: AsyncSession, *, owner_user_id: int | None = None,
                   kind: str | None = None, after_id: int | None = None,
                   limit: int = 20) -> list[LedgerAccount]:
    """Accounts by owner and/or kind, in id order after ``after_id`` (for staff lookups);
    at most ``limit`` (a page and the one row telling whether another follows)."""
    query = select(LedgerAccount).order_by(LedgerAccount.id).limit(min(limit, MAX_LIMIT + 1))
    if owner_user_id is not None:
        query = query.where(LedgerAccount.owner_user_id == owner_user_id)
    if kind is not None:
        query = query.where(LedgerAccount.kind == kind)
    if after_id is not None:
        query = query.where(LedgerAccount.id > after_id)
    return list(await session.scalars(query))


async def entry(session: AsyncSession, *, entry_id: int) -> LedgerEntry | None:
    return await session.get(LedgerEntry, entry_id)


async def entry_by_source(session: AsyncSession, *, source_type: str,
                          source_id: str) -> LedgerEntry | None:
    return await session.scalar(select(LedgerEntry).where(LedgerEntry.source_type == source_type,
                                                          LedgerEntry.source_id == source_id))


async def postings_of(session: AsyncSession, *, entry_id: int) -> list[LedgerPosting]:
    rows = await session.scalars(select(LedgerPosting).where(LedgerPosting.entry_id == entry_id)
                                 .order_by(LedgerPosting.id))
    return list(rows)


async def open_holds(session: AsyncSession, *, account_id: int,
                     limit: int = MAX_LIMIT) -> list[LedgerHold]:
    rows = await session.scalars(
        select(LedgerHold).where(LedgerHold.debit_account_id == account_id,
                                 LedgerHold.status == "open").order_by(LedgerHold.id).limit(limit))
    return list(rows)


async def kind_balance_before(session: AsyncSession, *, kind: str, before: datetime) -> int:
    """The summed posted balance, on their normal side, of every account of ``kind`` from the
    postings made before ``before`` (pending legs excluded): e.g. all customer wallets at a
    day's end, for operators' statistics."""
    from finplat.ledger import chart

    inward = chart.kind_of(kind).normal_balance
    p, a = POSTING.c, ACCOUNT.c
    signed = case((p.direction == inward, p.amount_minor), else_=-p.amount_minor)
    total = await session.scalar(
        select(func.coalesce(func.sum(signed), 0)).select_from(POSTING)
        .join(ACCOUNT, a.id == p.account_id)
        .where(a.kind == kind, p.pending.is_(False), p.created_at < ensure_utc(before)))
    return int(total or 0)
