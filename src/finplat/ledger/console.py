"""What the operations console reads from the books: judicial freezes, the platform accounts'
balances, and ``verify`` on demand with its last result (kept in the audit log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import queries as audit_queries
from finplat.audit import service as audit_service
from finplat.core.db import Database
from finplat.core.pagination import Page, PageParams, page_of
from finplat.ledger import chart
from finplat.ledger.models import LedgerAccount, LedgerEntry, LedgerHold
from finplat.ledger.service import JUDICIAL_FREEZE_CODE
from finplat.ledger.staff import account_view
from finplat.ledger.verify import verify_ledger

VERIFIED_ACTION = "ledger.verified"
# The audit record keeps the first problems only; the full list is one ``verify`` away.
LISTED_PROBLEMS = 20


def _freeze_view(row: Any) -> dict[str, Any]:
    hold, entry, account = row
    return {"hold_id": hold.id, "account_id": account.id, "owner_user_id": account.owner_user_id,
            "account_name": account.name, "amount_minor": hold.amount_minor,
            "currency": account.currency, "status": hold.status,
            "reason": (entry.details or {}).get("reason"),
            "created_at": hold.created_at.isoformat(),
            "released_at": hold.resolved_at.isoformat() if hold.resolved_at else None}


async def judicial_freezes(
    db: Database, *, page: PageParams, status: str | None = None, account_id: int | None = None,
    owner_user_id: int | None = None,
) -> Page[dict[str, Any]]:
    """Amount freezes (judicial), newest first, with their reason; ``status`` ``open`` for those
    in force, ``voided`` for released ones. Raises ``InvalidInput`` (bad cursor)."""
    query = (select(LedgerHold, LedgerEntry, LedgerAccount)
             .join(LedgerEntry, LedgerEntry.id == LedgerHold.entry_id)
             .join(LedgerAccount, LedgerAccount.id == LedgerHold.debit_account_id)
             .where(LedgerHold.code == JUDICIAL_FREEZE_CODE)
             .order_by(LedgerHold.id.desc()).limit(page.fetch_limit))
    if status is not None:
        query = query.where(LedgerHold.status == status)
    if account_id is not None:
        query = query.where(LedgerHold.debit_account_id == account_id)
    if owner_user_id is not None:
        query = query.where(LedgerAccount.owner_user_id == owner_user_id)
    if page.last_id is not None:
        query = query.where(LedgerHold.id < page.last_id)
    async with db.transaction(readonly=True) as session:
        rows = list((await session.execute(query)).all())
    return page_of(rows, page, item=_freeze_view, position=lambda row: {"id": row[0].id})


async def platform_accounts(db: Database) -> list[dict[str, Any]]:
    """The platform's own accounts (custody cash, fee revenue, ...) with their balances."""
    async with db.transaction(readonly=True) as session:
        rows = await session.scalars(
            select(LedgerAccount).where(LedgerAccount.kind.in_(chart.PLATFORM_KINDS),
                                        LedgerAccount.reference == chart.PLATFORM)
            .order_by(LedgerAccount.id))
        return [await account_view(session, row) for row in rows]


async def verify_now(db: Database, *, now: datetime, actor_id: int) -> dict[str, Any]:
    """Run ``verify_ledger`` and keep its result in the audit log (``ledger.verified``);
    returns the report with ``checked_at``."""
    async with db.transaction(readonly=True) as session:
        report = (await verify_ledger(session)).as_json()

    async def work(session: AsyncSession) -> None:
        await audit_service.record(
            session, action=VERIFIED_ACTION, target_type="ledger", target_id=None, now=now,
            actor_id=actor_id,
            summary={**report, "problems": report["problems"][:LISTED_PROBLEMS],
                     "problem_count": len(report["problems"])})

    await db.run(work)
    return {**report, "checked_at": now.isoformat(), "actor_id": actor_id}


async def last_verification(db: Database) -> dict[str, Any] | None:
    """The last ``verify_now`` result, or None if the books were never checked here."""
    async with db.transaction(readonly=True) as session:
        found = await audit_queries.search(session, limit=1, action=VERIFIED_ACTION)
    if not found:
        return None
    summary = found[0].summary
    return {"ok": summary.get("ok", False), "entries": summary.get("entries", 0),
            "accounts": summary.get("accounts", 0), "problems": summary.get("problems", []),
            "checked_at": found[0].created_at.isoformat(), "actor_id": found[0].actor_id}
