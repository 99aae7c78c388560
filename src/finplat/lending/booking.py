"""Booking payments on loans: receipts, their ledger entries, and the rows they change, for
many loans at once in a constant number of statements.

Every payment on a loan (the daily collection, a manual repayment, an early payoff, a recovery
after compensation) goes through ``book``, inside a transaction that holds the loans' row locks
(``lock_loans``, ascending id: the one lock order of servicing). Per call:

1. one bulk ledger write (split to stay within the ledger's postings per write): per receipt one
   entry, the payer's account debited once, one credit per claim holder and one to fee revenue;
   the entry's source is the receipt's unique source, so a receipt is never booked twice;
2. one multi-row INSERT of the receipts, one SELECT of their ids;
3. one guarded UPDATE of the installments (on their version), one UPDATE statement adding to
   the claims' received figures executed for every claim at once, one guarded UPDATE of the
   loans;
4. the events of the receipts in two multi-row inserts (``events_service.record_many``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.money import Money
from finplat.events import service as events_service
from finplat.ledger import service as ledger_service
from finplat.lending import distribution
from finplat.lending.distribution import Part
from finplat.lending.events import LoanPaidOff, RepaymentReceived
from finplat.lending.models import (
    BUCKET_CURRENT,
    HOLDER_RESERVE,
    INSTALLMENT_PAID,
    LOAN_PAID_OFF,
    RECEIPT_RECOVERY,
    BucketMove,
    Claim,
    Installment,
    Loan,
    Receipt,
)
from finplat.lending.setwrite import add_to_rows, update_rows

LOAN = cast(Table, Loan.__table__)
INSTALLMENT = cast(Table, Installment.__table__)
CLAIM = cast(Table, Claim.__table__)
RECEIPT = cast(Table, Receipt.__table__)
BUCKET_MOVE = cast(Table, BucketMove.__table__)
RECEIPT_SOURCE = "lending_receipt"
REPAYMENT_CODE = "loan_repayment"

LOAN_COLUMNS = tuple(LOAN.c[name] for name in (
    "id", "borrower_user_id", "currency", "status", "grace_days", "principal_outstanding_minor",
    "bucket", "days_past_due", "penalty_daily_rate", "lpr_one_year", "start_date", "version",
    "application_id", "apr", "prepayment_fee_rate_bps"))
INSTALLMENT_COLUMNS = tuple(INSTALLMENT.c[name] for name in (
    "id", "loan_id", "number", "due_date", "principal_minor", "interest_minor", "fee_minor",
    "penalty_minor", "paid_principal_minor", "paid_interest_minor", "paid_fee_minor",
    "paid_penalty_minor", "status", "penalty_accrued_through", "compensated_at", "paid_at",
    "version"))
CLAIM_COLUMNS = tuple(CLAIM.c[name] for name in (
    "id", "loan_id", "holder_kind", "user_id", "principal_minor"))


@dataclass
class Draft:
    """One receipt to book: what ``parts`` pay on which (locked) installments of ``loan``."""

    loan: Any
    kind: str
    source: str
    parts: list[Part]
    installments: dict[int, Any]
    claims: list[Any]
    payer_account_id: int
    # Early payoff: installment id -> (interest, fee) it now owes (the rest is not charged).
    rewrite: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Early payoff: the prepayment fee, paid to fee revenue in the receipt's one entry (it is
    # owed on no installment; the receipt's fee and amount include it).
    prepayment_fee_minor: int = 0


async def lock_loans(session: AsyncSession, loan_ids: Sequence[int]) -> list[Any]:
    """The loans, locked in ascending id order (every servicing writer takes them first)."""
    return list((await session.execute(
        select(*LOAN_COLUMNS).where(LOAN.c.id.in_(sorted(set(loan_ids))))
        .order_by(LOAN.c.id).with_for_update())).all())


async def open_installments(session: AsyncSession, loan_ids: Sequence[int], *,
                            due_by: date | None) -> dict[int, list[Any]]:
    """loan id -> its installments on which something may be owed (due by ``due_by`` if
    given), oldest first. Read after ``lock_loans``: they change only under the loan's lock."""
    i = INSTALLMENT.c
    query = select(*INSTALLMENT_COLUMNS).where(
        i.loan_id.in_(sorted(set(loan_ids))), i.status.in_(distribution.OPEN_STATES))
    if due_by is not None:
        query = query.where(i.due_date <= due_by)
    found: dict[int, list[Any]] = {loan_id: [] for loan_id in loan_ids}
    for row in (await session.execute(query.order_by(i.loan_id, i.number))).all():
        found[row.loan_id].append(row)
    return found


async def active_claims(session: AsyncSession, loan_ids: Sequence[int]) -> dict[int, list[Any]]:
    """loan id -> the claims that receive its repayments (not taken over), in id order."""
    c = CLAIM.c
    found: dict[int, list[Any]] = {loan_id: [] for loan_id in loan_ids}
    rows = await session.execute(select(*CLAIM_COLUMNS).where(
        c.loan_id.in_(sorted(set(loan_ids))), c.transferred_at.is_(None)).order_by(c.id))
    for row in rows.all():
        found[row.loan_id].append(row)
    return found


async def holder_accounts(session: AsyncSession, claims: Sequence[Any], *,
                          now: datetime) -> dict[int, int]:
    """claim id -> the ledger account its share is paid to (the investor's wallet, or the
    risk reserve for a claim it took over)."""
    wallets = await ledger_service.wallets_of(
        session, [c.user_id for c in claims if c.holder_kind != HOLDER_RESERVE])
    reserve = None
    accounts = {}
    for claim in claims:
        if claim.holder_kind == HOLDER_RESERVE:
            if reserve is None:
                reserve = await ledger_service.platform_account(session, kind="risk_reserve",
                                                                now=now)
            accounts[claim.id] = reserve
        else:
            accounts[claim.id] = wallets[claim.user_id]
    return accounts


def _transfer(draft: Draft, shares: Sequence[distribution.ClaimShare], accounts: dict[int, int],
              fee_account: int, fee_minor: int) -> ledger_service.Transfer:
    currency = draft.loan.currency
    credits = [(accounts[s.claim_id], Money(s.total_minor, currency)) for s in shares
               if s.total_minor]
    if fee_minor:
        credits.append((fee_account, Money(fee_minor, currency)))
    return ledger_service.Transfer(
        source_type=RECEIPT_SOURCE, source_id=draft.source, code=REPAYMENT_CODE,
        debit_account_id=draft.payer_account_id, credits=credits,
        reference=f"loan:{draft.loan.id}", metadata={"kind": draft.kind})


async def _write_ledger(session: AsyncSession, transfers: Sequence[ledger_service.Transfer],
                        now: datetime) -> list[int]:
    """The entries, in as few bulk writes as the ledger's postings limit allows."""
    ids: list[int] = []
    batch: list[ledger_service.Transfer] = []
    postings = 0
    for transfer in transfers:
        size = len(transfer.credits) + 1
        if batch and postings + size > ledger_service.MAX_POSTINGS:
            ids += await ledger_service.transfers(session, entries=batch, now=now)
            batch, postings = [], 0
        batch.append(transfer)
        postings += size
    if batch:
        ids += await ledger_service.transfers(session, entries=batch, now=now)
    return ids


def receipt_kind(draft: Draft) -> str:
    """A payment the reserve receives (it holds the claim) is a recovery."""
    if any(c.holder_kind == HOLDER_RESERVE for c in draft.claims):
        return RECEIPT_RECOVERY
    return draft.kind


async def book(session: AsyncSession, drafts: Sequence[Draft], *, business_date: date,
               now: datetime) -> list[int]:
    """Book ``drafts`` (each with something to pay), in the caller's transaction, which
    holds their loans' locks; returns the receipt ids in order. Raises the ledger's errors
    (``InsufficientFunds`` when a payer cannot pay) and ``Conflict`` on a concurrent change."""
    if not drafts:
        return []
    claims = [c for d in drafts for c in d.claims]
    accounts = await holder_accounts(session, claims, now=now)
    fee_account = await ledger_service.platform_account(session, kind="fee_revenue", now=now)
    sums = [distribution.totals(d.parts) for d in drafts]
    shares = [distribution.split_to_claims(t, d.claims) for t, d in zip(sums, drafts, strict=True)]
    entry_ids = await _write_ledger(session, [
        _transfer(d, s, accounts, fee_account, t.fee_minor + d.prepayment_fee_minor)
        for d, s, t in zip(drafts, shares, sums, strict=True)], now)
    receipt_ids = await _insert_receipts(session, drafts, sums, entry_ids, business_date, now)
    await _update_installments(session, drafts, business_date=business_date, now=now)
    await add_to_rows(session, CLAIM, [
        {"id": s.claim_id, "received_principal_minor": s.principal_minor,
         "received_interest_minor": s.interest_minor, "received_penalty_minor": s.penalty_minor,
         "updated_at": now} for per_draft in shares for s in per_draft if s.total_minor],
        assign=("updated_at",),
        add=("received_principal_minor", "received_interest_minor", "received_penalty_minor"))
    closed = await _update_loans(session, drafts, sums, business_date=business_date, now=now)
    await events_service.record_many(session, [
        (RepaymentReceived(
            receipt_id=rid, loan_id=d.loan.id, borrower_user_id=d.loan.borrower_user_id,
            kind=receipt_kind(d), amount_minor=t.total_minor + d.prepayment_fee_minor,
            principal_minor=t.principal_minor, interest_minor=t.interest_minor,
            fee_minor=t.fee_minor + d.prepayment_fee_minor,
            penalty_minor=t.penalty_minor, currency=d.loan.currency,
            business_date=business_date.isoformat()), rid)
        for rid, d, t in zip(receipt_ids, drafts, sums, strict=True)],
        target_type="lending_receipt", now=now)
    if closed:
        await events_service.record_many(session, [
            (LoanPaidOff(loan_id=loan.id, borrower_user_id=loan.borrower_user_id), loan.id)
            for loan in closed], target_type="lending_loan", now=now)
    return receipt_ids


async def _insert_receipts(session: AsyncSession, drafts: Sequence[Draft],
                           sums: Sequence[distribution.Totals], entry_ids: Sequence[int],
                           business_date: date, now: datetime) -> list[int]:
    await session.execute(insert(RECEIPT), [
        {"loan_id": d.loan.id, "kind": receipt_kind(d),
         "amount_minor": t.total_minor + d.prepayment_fee_minor,
         "currency": d.loan.currency, "principal_minor": t.principal_minor,
         "interest_minor": t.interest_minor, "fee_minor": t.fee_minor + d.prepayment_fee_minor,
         "penalty_minor": t.penalty_minor, "allocation": [p.as_json() for p in d.parts],
         "business_date": business_date, "source": d.source, "entry_id": entry_id,
         "created_at": now}
        for d, t, entry_id in zip(drafts, sums, entry_ids, strict=True)])
    found = await session.execute(select(RECEIPT.c.id, RECEIPT.c.source).where(
        RECEIPT.c.source.in_([d.source for d in drafts])))
    ids = {row.source: int(row.id) for row in found}
    return [ids[d.source] for d in drafts]


_PAID_COLUMNS = ("paid_principal_minor", "paid_interest_minor", "paid_fee_minor",
                 "paid_penalty_minor")


async def _update_installments(session: AsyncSession, drafts: Sequence[Draft], *,
                               business_date: date, now: datetime) -> None:
    rows: list[dict[str, Any]] = []
    rewrites: list[dict[str, Any]] = []
    for draft in drafts:
        for part in draft.parts:
            row = draft.installments[part.installment_id]
            if part.installment_id in draft.rewrite:
                interest, fee = draft.rewrite[part.installment_id]
                rewrites.append({"id": row.id, "interest_minor": interest, "fee_minor": fee})
                status = INSTALLMENT_PAID  # an early payoff settles every installment
            else:
                status = distribution.status_after(row, part, business_date=business_date,
                                                   grace_days=draft.loan.grace_days)
            rows.append({
                "id": row.id,
                "paid_principal_minor": row.paid_principal_minor + part.principal_minor,
                "paid_interest_minor": row.paid_interest_minor + part.interest_minor,
                "paid_fee_minor": row.paid_fee_minor + part.fee_minor,
                "paid_penalty_minor": row.paid_penalty_minor + part.penalty_minor,
                "status": status, "paid_at": now if status == INSTALLMENT_PAID else row.paid_at,
                "version": row.version + 1, "guard_version": row.version, "updated_at": now})
    await update_rows(session, INSTALLMENT, rows, guard="version", assign=(
        *_PAID_COLUMNS, "status", "paid_at", "version", "updated_at"))
    await update_rows(session, INSTALLMENT, rewrites, assign=("interest_minor", "fee_minor"))


async def _still_owing(session: AsyncSession, drafts: Sequence[Draft], now: datetime) -> set[int]:
    """Of the loans whose principal is now repaid, those that still owe something on an
    installment this booking did not settle; installments left owing nothing (the zero tail of
    a tiny loan) are marked paid."""
    candidates = [d for d in drafts if d.loan.principal_outstanding_minor
                  == sum(p.principal_minor for p in d.parts)]
    if not candidates:
        return set()
    settled = {p.installment_id for d in candidates for p in d.parts}
    i = INSTALLMENT.c
    rows = (await session.execute(select(*INSTALLMENT_COLUMNS).where(
        i.loan_id.in_([d.loan.id for d in candidates]),
        i.status.in_(distribution.OPEN_STATES)))).all()
    owing: set[int] = set()
    empty = []
    for row in rows:
        if row.id in settled:
            continue
        if distribution.owed(row).total_minor > 0:
            owing.add(row.loan_id)
        else:
            empty.append(row.id)
    if empty:
        await session.execute(update(INSTALLMENT).where(i.id.in_(empty)).values(
            status=INSTALLMENT_PAID, paid_at=now, version=i.version + 1, updated_at=now))
    return owing


async def _update_loans(session: AsyncSession, drafts: Sequence[Draft],
                        sums: Sequence[distribution.Totals], *, business_date: date,
                        now: datetime) -> list[Any]:
    """New outstanding principal; loans with nothing left owing are paid off. Returns those."""
    unsettled = {d.loan.id for d in drafts for p in d.parts
                 if p.installment_id not in d.rewrite and distribution.status_after(
                     d.installments[p.installment_id], p, business_date=business_date,
                     grace_days=d.loan.grace_days) != INSTALLMENT_PAID}
    owing = await _still_owing(session, drafts, now) | unsettled
    rows, closed = [], []
    for draft, total in zip(drafts, sums, strict=True):
        loan = draft.loan
        outstanding = loan.principal_outstanding_minor - total.principal_minor
        done = outstanding == 0 and loan.id not in owing
        if done:
            closed.append(loan)
        rows.append({"id": loan.id, "principal_outstanding_minor": outstanding,
                     "status": LOAN_PAID_OFF if done else loan.status,
                     "closed_at": now if done else None,
                     "bucket": BUCKET_CURRENT if done else loan.bucket,
                     "days_past_due": 0 if done else loan.days_past_due,
                     "version": loan.version + 1, "guard_version": loan.version,
                     "updated_at": now})
    await update_rows(session, LOAN, rows, guard="version", assign=(
        "principal_outstanding_minor", "status", "closed_at", "bucket", "days_past_due",
        "version", "updated_at"))
    moved = [loan for loan in closed if loan.bucket != BUCKET_CURRENT]
    if moved:
        await record_moves(session, [(loan, BUCKET_CURRENT, 0) for loan in moved],
                            business_date=business_date, now=now)
    return closed


async def record_moves(session: AsyncSession, moves: Sequence[tuple[Any, str, int]], *,
                        business_date: date, now: datetime) -> None:
    """Bucket history rows; a loan moves at most once per business date (the later move of
    the same day replaces the row's destination)."""
    b = BUCKET_MOVE.c
    taken = set((await session.scalars(select(b.loan_id).where(
        b.loan_id.in_([loan.id for loan, _to, _days in moves]),
        b.business_date == business_date))).all())
    fresh = [(loan, to, days) for loan, to, days in moves if loan.id not in taken]
    for loan, to, days in moves:
        if loan.id in taken:
            await session.execute(update(BUCKET_MOVE).where(
                b.loan_id == loan.id, b.business_date == business_date).values(
                to_bucket=to, days_past_due=days))
    if fresh:
        await session.execute(insert(BUCKET_MOVE), [
            {"loan_id": loan.id, "business_date": business_date, "from_bucket": loan.bucket,
             "to_bucket": to, "days_past_due": days, "created_at": now}
            for loan, to, days in fresh])




async def loan_rows(session: AsyncSession, loan_ids: Sequence[int]) -> list[Any]:
    """The loans, without a lock (reads)."""
    return list((await session.execute(
        select(*LOAN_COLUMNS).where(LOAN.c.id.in_(sorted(set(loan_ids)))).order_by(LOAN.c.id)
    )).all())


async def insert_receipt(session: AsyncSession, values: dict[str, Any]) -> int:
    """One receipt row (compensation); returns its id."""
    await session.execute(insert(RECEIPT), [values])
    found = await session.scalar(select(RECEIPT.c.id).where(RECEIPT.c.source == values["source"]))
    assert found is not None
    return int(found)


async def draft_accounts(session: AsyncSession, drafts: Sequence[Draft], *,
                         now: datetime) -> list[set[int]]:
    """The ledger accounts each draft's entry touches."""
    accounts = await holder_accounts(session, [c for d in drafts for c in d.claims], now=now)
    return [{d.payer_account_id, *(accounts[c.id] for c in d.claims)} for d in drafts]
