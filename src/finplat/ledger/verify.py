"""``ledger verify``: prove the books from the postings, independently of the write path.

Checks that every entry balances and has its legs, that Σdebits = Σcredits, that every cached
account total equals what its postings and open holds say, that each account's latest posting
carries its current balance, that limits hold, and that every settled hold has its entry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.ledger.models import LedgerAccount, LedgerEntry, LedgerHold, LedgerPosting

ACCOUNT = LedgerAccount.__table__
ENTRY = LedgerEntry.__table__
POSTING = LedgerPosting.__table__
HOLD = LedgerHold.__table__

# Past this many, further problems are counted but not listed.
MAX_LISTED_PROBLEMS = 100
WITH_LEGS = ("transfer", "hold", "hold_post", "reversal")


@dataclass
class Report:
    entries: int = 0
    accounts: int = 0
    problems: list[str] = field(default_factory=list)
    unlisted_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unlisted_problems

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)
        else:
            self.unlisted_problems += 1

    def as_json(self) -> dict[str, Any]:
        problems = list(self.problems)
        if self.unlisted_problems:
            problems.append(f"... and {self.unlisted_problems} more")
        return {"ok": self.ok, "entries": self.entries, "accounts": self.accounts,
                "problems": problems}


def _signed() -> Any:
    return case((POSTING.c.direction == "debit", POSTING.c.amount_minor),
                else_=-POSTING.c.amount_minor)


async def _check_entries(session: AsyncSession, report: Report) -> None:
    p, e = POSTING.c, ENTRY.c
    unbalanced = await session.execute(
        select(p.entry_id, func.sum(_signed())).group_by(p.entry_id)
        .having(func.sum(_signed()) != 0).order_by(p.entry_id))
    for entry_id, net in unbalanced:
        report.add(f"entry {entry_id} is unbalanced by {net} fen")
    legs = (select(func.count()).where(p.entry_id == e.id).scalar_subquery())
    short = await session.scalars(select(e.id).where(e.entry_type.in_(WITH_LEGS), legs < 2)
                                  .order_by(e.id))
    for entry_id in short:
        report.add(f"entry {entry_id} has fewer than two postings")
    mixed = await session.scalars(
        select(e.id).join(POSTING, p.entry_id == e.id)
        .where(p.pending != (e.entry_type == "hold")).distinct().order_by(e.id))
    for entry_id in mixed:
        report.add(f"entry {entry_id} has postings of the wrong kind (pending vs posted)")
    totals = (await session.execute(
        select(func.coalesce(func.sum(case((p.direction == "debit", p.amount_minor), else_=0)), 0),
               func.coalesce(func.sum(case((p.direction == "credit", p.amount_minor), else_=0)), 0))
        .where(p.pending.is_(False)))).one()
    if int(totals[0]) != int(totals[1]):
        report.add(f"total debits {totals[0]} differ from total credits {totals[1]}")


async def _derived(session: AsyncSession) -> dict[int, list[int]]:
    """Per account: [debits_posted, credits_posted, debits_pending, credits_pending]."""
    p, h = POSTING.c, HOLD.c
    derived: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    posted = await session.execute(
        select(p.account_id, p.direction, func.sum(p.amount_minor))
        .where(p.pending.is_(False)).group_by(p.account_id, p.direction))
    for account_id, direction, amount in posted:
        derived[account_id][0 if direction == "debit" else 1] += int(amount)
    for column, slot in ((h.debit_account_id, 2), (h.credit_account_id, 3)):
        pending = await session.execute(select(column, func.sum(h.amount_minor))
                                        .where(h.status == "open").group_by(column))
        for account_id, amount in pending:
            derived[account_id][slot] += int(amount)
    return derived


async def _check_accounts(session: AsyncSession, report: Report) -> None:
    a = ACCOUNT.c
    derived = await _derived(session)
    rows = (await session.execute(
        select(a.id, a.tracks_balance, a.normal_balance, a.debits_posted, a.credits_posted,
               a.debits_pending, a.credits_pending, a.debits_must_not_exceed_credits,
               a.credits_must_not_exceed_debits).order_by(a.id))).all()
    report.accounts = len(rows)
    latest = await _latest_balances(session)
    for row in rows:
        truth = derived.get(row.id, [0, 0, 0, 0])
        if row.debits_must_not_exceed_credits and truth[0] + truth[2] > truth[1]:
            report.add(f"account {row.id} debits exceed credits")
        if row.credits_must_not_exceed_debits and truth[1] + truth[3] > truth[0]:
            report.add(f"account {row.id} credits exceed debits")
        if not row.tracks_balance:
            if row.debits_posted or row.credits_posted or row.debits_pending \
                    or row.credits_pending:
                report.add(f"account {row.id} keeps no running balance but has cached totals")
            continue
        cached = [row.debits_posted, row.credits_posted, row.debits_pending, row.credits_pending]
        if cached != truth:
            report.add(f"account {row.id} cached totals {cached} differ from its postings and "
                       f"holds {truth} (debits/credits posted, debits/credits pending)")
        balance = (row.credits_posted - row.debits_posted if row.normal_balance == "credit"
                   else row.debits_posted - row.credits_posted)
        if row.id in latest and latest[row.id] != balance:
            report.add(f"account {row.id} latest posting says balance {latest[row.id]}, "
                       f"the account says {balance}")


async def _latest_balances(session: AsyncSession) -> dict[int, int]:
    p = POSTING.c
    last = (select(p.account_id, func.max(p.id).label("posting_id"))
            .where(p.balance_after_minor.is_not(None)).group_by(p.account_id).subquery())
    rows = await session.execute(select(p.account_id, p.balance_after_minor)
                                 .join(last, and_(last.c.posting_id == p.id)))
    return {account_id: int(balance) for account_id, balance in rows}


async def _check_holds(session: AsyncSession, report: Report) -> None:
    h, e = HOLD.c, ENTRY.c
    resolved = select(e.id).where(e.hold_id == h.id).exists()
    orphans = await session.scalars(select(h.id).where(h.status != "open", ~resolved)
                                    .order_by(h.id))
    for hold_id in orphans:
        report.add(f"hold {hold_id} is settled but no entry settles it")


async def verify_ledger(session: AsyncSession) -> Report:
    """Recompute the books from the postings and list every disagreement (read-only)."""
    report = Report()
    report.entries = int(await session.scalar(select(func.count()).select_from(ENTRY)) or 0)
    await _check_entries(session, report)
    await _check_accounts(session, report)
    await _check_holds(session, report)
    return report
