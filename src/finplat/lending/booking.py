"""Booking payments on loans: receipts, their ledger entries, and the rows they change, for
many loans at once in a constant number of statements.

Every payment on a loan (the daily collection, a manual repayment, an early payoff, a recovery
after compensation) goes through ``book``, inside a transaction that holds the loans' row locks
(``lock_loans``, ascending id: the one lock order of servicing). Python works per loan (the
waterfall over its installments, a few rows); the database works per claim (the split and the
postings, twenty or more rows a loan). Per call:

1. one aggregate query of the loans' active claims (how many, their principal, whether the
   reserve holds one: its receipts are recoveries);
2. one multi-row INSERT of the receipts (their totals from the waterfall), one SELECT of their
   ids;
3. the ledger entries, one per receipt, by ``ledger.service.pay_many``: the payer's account
   debited once, one credit per claim holder with a share and one to fee revenue, the credits
   an ``INSERT ... SELECT`` over the receipts and claims with the split (``pro_rata.split``:
   the largest remainder pro rata of ``allocation.split_receipt``, in integer fen with window
   functions) computed by the database, each claim naming its account (the accounts locked
   are read from the claims, ``pro_rata.accounts``); the entry's source is the receipt's
   unique source, so a receipt is never booked twice;
4. one UPDATE of the receipts' entry ids, one guarded UPDATE of the installments (on their
   version), one guarded UPDATE of the loans (nothing is written per claim: what a claim
   received is summed from the receipts when read, ``pro_rata.received``);
5. one ``INSERT ... SELECT`` of the receipts' events (``events_service.record_selected``) with
   one audit record naming the receipts; the rare paid-off loans' events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    String,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.events import service as events_service
from finplat.ledger import service as ledger_service
from finplat.lending import distribution, pro_rata
from finplat.lending.distribution import Part
from finplat.lending.events import LoanPaidOff, RepaymentReceived
from finplat.lending.models import (
    BUCKET_CURRENT,
    INSTALLMENT_PAID,
    LOAN_PAID_OFF,
    RECEIPT_RECOVERY,
)
from finplat.lending.setwrite import update_rows
from finplat.lending.tables import (
    BUCKET_MOVE,
    CLAIM,
    CLAIM_COLUMNS,
    INSTALLMENT,
    INSTALLMENT_COLUMNS,
    LOAN,
    LOAN_COLUMNS,
    RECEIPT,
    RECEIPT_SOURCE,
    REPAYMENT_CODE,
)

_MAX_SQL_INT = 2**63 - 1


@dataclass
class Draft:
    """One receipt to book: what ``parts`` pay on which (locked) installments of ``loan``."""

    loan: Any
    kind: str
    source: str
    parts: list[Part]
    installments: dict[int, Any]
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


def holder_accounts(claims: Sequence[Any]) -> dict[int, int]:
    """claim id -> the ledger account its share is paid to (the investor's wallet, or the
    risk reserve for a claim it took over), as the claim names it."""
    return {claim.id: int(claim.account_id) for claim in claims}


def receipt_kind(draft: Draft, holders: pro_rata.Holders) -> str:
    """A payment the reserve receives (it holds the claim) is a recovery."""
    return RECEIPT_RECOVERY if holders.reserve else draft.kind


def _check_split(drafts: Sequence[Draft], sums: Sequence[distribution.Totals],
                 holders: dict[int, pro_rata.Holders]) -> None:
    for draft, total in zip(drafts, sums, strict=True):
        found = holders.get(draft.loan.id)
        if found is None or found.principal_minor <= 0:
            raise ValueError("a disbursed loan has at least one active claim")
        largest = max(total.penalty_minor, total.interest_minor, total.principal_minor)
        if largest * found.principal_minor > _MAX_SQL_INT:
            # amount × claim principal is computed in 64-bit integers.
            raise ValueError("a receipt too large to split in the database")


async def book(session: AsyncSession, drafts: Sequence[Draft], *, business_date: date,
               now: datetime) -> list[int]:
    """Book ``drafts`` (each with something to pay), in the caller's transaction, which
    holds their loans' locks; returns the receipt ids in order. Raises the ledger's errors
    (``InsufficientFunds`` when a payer cannot pay) and ``Conflict`` on a concurrent change."""
    if not drafts:
        return []
    holders = await pro_rata.holders_of(session, [d.loan.id for d in drafts])
    # The platform's accounts before anything is written (the first use creates them: a
    # twin creating one at the same time is waited for, holding nothing it could wait on).
    fee_account = await ledger_service.platform_account(session, kind="fee_revenue", now=now)
    sums = [distribution.totals(d.parts) for d in drafts]
    _check_split(drafts, sums, holders)
    kinds = [receipt_kind(d, holders[d.loan.id]) for d in drafts]
    receipt_ids = await _insert_receipts(session, drafts, kinds, sums, business_date, now)
    split = pro_rata.shares(receipt_ids, [d.loan.id for d in drafts])
    entry_ids: dict[int, int] = {}
    for currency in sorted({d.loan.currency for d in drafts}):
        mine = [(rid, d, t) for rid, d, t in zip(receipt_ids, drafts, sums, strict=True)
                if d.loan.currency == currency]
        ids = await ledger_service.pay_many(
            session, source_type=RECEIPT_SOURCE, code=REPAYMENT_CODE, currency=currency,
            now=now, credits=pro_rata.credits(split, [rid for rid, _d, _t in mine],
                                              fee_account=fee_account),
            accounts=pro_rata.accounts([d.loan.id for _rid, d, _t in mine],
                                       fee_account=fee_account),
            payments=[ledger_service.Payment(
                source_id=d.source, debit_account_id=d.payer_account_id,
                amount_minor=t.total_minor + d.prepayment_fee_minor,
                reference=f"loan:{d.loan.id}",
                metadata={"kind": d.kind}) for _rid, d, t in mine])
        entry_ids.update(zip([rid for rid, _d, _t in mine], ids, strict=True))
    await update_rows(session, RECEIPT, [{"id": rid, "entry_id": entry_ids[rid]}
                                         for rid in receipt_ids], assign=("entry_id",))
    await _update_installments(session, drafts, business_date=business_date, now=now)
    closed = await _update_loans(session, drafts, sums, business_date=business_date, now=now)
    await _record(session, receipt_ids, business_date=business_date, now=now)
    if closed:
        await events_service.record_many(session, [
            (LoanPaidOff(loan_id=loan.id, borrower_user_id=loan.borrower_user_id), loan.id)
            for loan in closed], target_type="lending_loan", now=now)
    return receipt_ids


async def _record(session: AsyncSession, receipt_ids: Sequence[int], *, business_date: date,
                  now: datetime) -> None:
    """One ``lending.repayment_received`` event per receipt, built from the rows in the
    database, and one audit record naming the receipts."""
    r, loan = RECEIPT.c, LOAN.c
    rows = (select(r.id.label("receipt_id"), r.loan_id, loan.borrower_user_id, r.kind,
                   r.amount_minor, r.principal_minor, r.interest_minor, r.fee_minor,
                   r.penalty_minor, r.currency,
                   literal(business_date.isoformat(), String).label("business_date"))
            .join_from(RECEIPT, LOAN, loan.id == r.loan_id)
            .where(r.id.in_(sorted(receipt_ids))).order_by(r.id))
    await events_service.record_selected(
        session, RepaymentReceived, rows, target_type="lending_receipt",
        target_id=str(receipt_ids[0]), now=now,
        summary={"receipt_ids": list(receipt_ids), "business_date": business_date.isoformat()})


async def _insert_receipts(session: AsyncSession, drafts: Sequence[Draft], kinds: Sequence[str],
                           sums: Sequence[distribution.Totals], business_date: date,
                           now: datetime) -> list[int]:
    """The receipts (their ledger entry is written next, from them); their ids in order."""
    await session.execute(insert(RECEIPT), [
        {"loan_id": d.loan.id, "kind": kind,
         "amount_minor": t.total_minor + d.prepayment_fee_minor,
         "currency": d.loan.currency, "principal_minor": t.principal_minor,
         "interest_minor": t.interest_minor, "fee_minor": t.fee_minor + d.prepayment_fee_minor,
         "penalty_minor": t.penalty_minor, "allocation": [p.as_json() for p in d.parts],
         "business_date": business_date, "source": d.source, "entry_id": None,
         "created_at": now}
        for d, kind, t in zip(drafts, kinds, sums, strict=True)])
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


async def draft_accounts(session: AsyncSession, drafts: Sequence[Draft]) -> list[set[int]]:
    """The ledger accounts each draft's entry touches."""
    claims = await active_claims(session, [d.loan.id for d in drafts])
    return [{d.payer_account_id, *(int(c.account_id) for c in claims[d.loan.id])}
            for d in drafts]
