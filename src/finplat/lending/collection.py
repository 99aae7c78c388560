"""The daily collection: every installment due by the business date is collected from the
borrower's wallet (as much as the wallet holds when it holds less: a partial collection).

Loans are taken in chunks in id order, one transaction each: the chunk's loans are locked
(``booking.lock_loans``), their borrowers' wallets locked and read (``lock_available``), each
loan's owed amount capped by what its borrower's wallet still holds (a borrower with two loans
pays the older loan first), and every receipt booked by one ``booking.book``. The chunk saves the
job's position in its own transaction, so a resumed run neither skips nor repeats a loan; each
receipt's source is ``collection:<loan>:<date>``, so a loan is collected at most once per
business date even when the job is run again. Written-off loans are not collected (their
recoveries are the borrower's own repayments). A loan whose borrower's or an investor's wallet
is frozen or closed is left for a later day; the others of its chunk are collected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import DomainError
from finplat.ledger import service as ledger_service
from finplat.lending import booking, distribution
from finplat.lending.models import INSTALLMENT_WRITTEN_OFF, LOAN_DISBURSED, RECEIPT_COLLECTION
from finplat.lending.tables import INSTALLMENT, RECEIPT

# What a wallet that takes no money makes the ledger refuse.
BLOCKING_CODES = ("ledger.account_frozen", "ledger.account_closed")
Progress = Callable[[int, AsyncSession], Awaitable[None]]
_COLLECTABLE = tuple(s for s in distribution.OPEN_STATES if s != INSTALLMENT_WRITTEN_OFF)


def collection_source(loan_id: int, business_date: date) -> str:
    return f"collection:{loan_id}:{business_date.isoformat()}"


async def due_loan_ids(session: AsyncSession, *, business_date: date, after_id: int,
                       limit: int) -> list[int]:
    """Loans with an installment due by ``business_date`` still owing, after ``after_id``."""
    i = INSTALLMENT.c
    rows = await session.scalars(
        select(i.loan_id).where(i.due_date <= business_date, i.status.in_(_COLLECTABLE),
                                i.loan_id > after_id)
        .group_by(i.loan_id).order_by(i.loan_id).limit(limit))
    return list(rows)


async def collect_day(db: Database, *, business_date: date, now: datetime, after_id: int = 0,
                      chunk_loans: int = 100, progress: Progress | None = None) -> int:
    """Collect every loan due by ``business_date`` after ``after_id``; returns receipts made.
    ``progress(last_loan_id, session)`` runs in each chunk's transaction."""
    made = 0
    while True:
        outcome = await db.run(partial(_collect_chunk, business_date=business_date, now=now,
                                       after_id=after_id, size=chunk_loans, progress=progress))
        if outcome is None:
            return made
        after_id, count = outcome
        made += count


async def _collect_chunk(session: AsyncSession, *, business_date: date, now: datetime,
                         after_id: int, size: int,
                         progress: Progress | None) -> tuple[int, int] | None:
    loan_ids = await due_loan_ids(session, business_date=business_date, after_id=after_id,
                                  limit=size)
    if not loan_ids:
        return None
    loans = [row for row in await booking.lock_loans(session, loan_ids)
             if row.status == LOAN_DISBURSED]
    drafts = await _drafts(session, loans, business_date=business_date)
    booked = await _book(session, drafts, business_date=business_date, now=now)
    if progress is not None:
        await progress(loan_ids[-1], session)
    return loan_ids[-1], booked


async def _drafts(session: AsyncSession, loans: list[Any], *,
                  business_date: date) -> list[booking.Draft]:
    if not loans:
        return []
    ids = [loan.id for loan in loans]
    done = set((await session.scalars(select(RECEIPT.c.loan_id).where(
        RECEIPT.c.source.in_([collection_source(i, business_date) for i in ids])))).all())
    loans = [loan for loan in loans if loan.id not in done]
    installments = await booking.open_installments(session, ids, due_by=business_date)
    owing = {loan.id: sum(distribution.owed(r).total_minor for r in installments[loan.id]
                          if r.status != INSTALLMENT_WRITTEN_OFF) for loan in loans}
    loans = [loan for loan in loans if owing[loan.id] > 0]
    if not loans:
        return []
    wallets = await ledger_service.wallets_of(session, [loan.borrower_user_id for loan in loans])
    left = await ledger_service.lock_available(session, account_ids=sorted(set(wallets.values())))
    drafts = []
    for loan in loans:
        wallet = wallets.get(loan.borrower_user_id)
        if wallet is None:
            continue
        amount = min(owing[loan.id], max(left.get(wallet, 0), 0))
        if amount == 0:
            continue
        left[wallet] -= amount
        rows = installments[loan.id]
        parts, _rest = distribution.waterfall(amount, rows)
        drafts.append(booking.Draft(
            loan=loan, kind=RECEIPT_COLLECTION, source=collection_source(loan.id, business_date),
            parts=parts, installments={r.id: r for r in rows}, payer_account_id=wallet))
    return drafts



async def _book(session: AsyncSession, drafts: list[booking.Draft], *, business_date: date,
                now: datetime) -> int:
    """Book the chunk; returns how many receipts. A loan whose borrower's or an investor's
    wallet is frozen or closed waits for a later day (the ledger refuses the entry, and the
    chunk is tried again without it, as the payouts do)."""
    while drafts:
        try:
            async with session.begin_nested():
                await booking.book(session, drafts, business_date=business_date, now=now)
            return len(drafts)
        except DomainError as error:
            account = error.extra.get("account_id")
            if error.code not in BLOCKING_CODES or account is None:
                raise
            accounts = await booking.draft_accounts(session, drafts)
            drafts = [d for d, used in zip(drafts, accounts, strict=True) if account not in used]
    return 0
