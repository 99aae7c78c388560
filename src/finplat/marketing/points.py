"""The points ledger: an append-only journal plus one balance row per user, kept equal.

Every change is one conditional UPDATE of the balance row (so a balance never goes negative,
whatever runs concurrently) and one journal row carrying the balance after it. ``verify``
recomputes every balance from the journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.errors import Conflict, field_error
from finplat.core.statements import update_many, update_returning
from finplat.marketing.models import PointsAccount, PointsEntry, PointsPolicy
from finplat.marketing.policy import get_policy


@dataclass(frozen=True, slots=True)
class PointsBalance:
    user_id: int
    balance_points: int
    earned_points: int
    spent_points: int


@dataclass
class PointsReport:
    accounts: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def _ensure_account(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    exists = await session.scalar(select(PointsAccount.id).where(PointsAccount.user_id == user_id))
    if exists is not None:
        return
    try:
        async with session.begin_nested():
            session.add(PointsAccount(user_id=user_id, balance_points=0, earned_points=0,
                                      spent_points=0, updated_at=now))
    except IntegrityError:
        pass  # a concurrent first award created it; the UPDATE below serialises on that row


async def entry_for(session: AsyncSession, *, reference: str) -> PointsEntry | None:
    return await session.scalar(select(PointsEntry).where(PointsEntry.reference == reference))


async def earn(session: AsyncSession, *, user_id: int, points: int, reason: str, reference: str,
               now: datetime) -> PointsEntry | None:
    """Credit ``points`` to ``user_id`` once per ``reference`` (a repeat returns the first entry).

    Returns None when ``points`` is zero (nothing to record). Raises ``ValueError`` for a
    negative amount (a programming error, not user input).
    """
    if points < 0:
        raise ValueError("earn takes a non-negative number of points")
    existing = await entry_for(session, reference=reference)
    if existing is not None or points == 0:
        return existing
    await _ensure_account(session, user_id=user_id, now=now)
    changed = await update_returning(
        session,
        update(PointsAccount).where(PointsAccount.user_id == user_id)
        .values(balance_points=PointsAccount.balance_points + points,
                earned_points=PointsAccount.earned_points + points, updated_at=now),
        [PointsAccount.balance_points], row=PointsAccount.user_id == user_id)
    assert changed is not None, "the account exists (created above)"
    balance_after = changed.balance_points
    return await _append(session, user_id=user_id, delta=points, balance_after=balance_after,
                         reason=reason, reference=reference, now=now)


async def earn_many(session: AsyncSession, *, awards: Sequence[tuple[int, int, str]], reason: str,
                    now: datetime) -> int:
    """``earn`` for many ``(user_id, points, reference)`` at once, in a constant number of
    statements (a raise's confirmed orders); references already recorded and zero awards are
    skipped. Balance rows are locked in ascending user order; returns the entries written."""
    wanted = {reference: (user_id, points) for user_id, points, reference in awards if points > 0}
    if not wanted:
        return 0
    if any(points < 0 for _user, points, _reference in awards):
        raise ValueError("earn takes a non-negative number of points")
    done = set(await session.scalars(select(PointsEntry.reference)
                                     .where(PointsEntry.reference.in_(sorted(wanted)))))
    todo = [(reference, *wanted[reference]) for reference in sorted(wanted)
            if reference not in done]
    if not todo:
        return 0
    user_ids = sorted({user_id for _reference, user_id, _points in todo})
    balances = await _locked_balances(session, user_ids=user_ids, now=now)
    earned: dict[int, int] = {}
    rows = []
    for reference, user_id, points in todo:
        earned[user_id] = earned.get(user_id, 0) + points
        rows.append({"user_id": user_id, "delta_points": points,
                     "balance_after_points": balances[user_id][0] + earned[user_id],
                     "reason": reason, "reference": reference, "created_at": now})
    # Each locked row set to its new totals, set-based (one statement on PostgreSQL).
    await update_many(session, cast(Table, PointsAccount.__table__), [
        {"user_id": user_id, "balance_points": balances[user_id][0] + points,
         "earned_points": balances[user_id][1] + points, "updated_at": now}
        for user_id, points in sorted(earned.items())], key="user_id")
    await session.execute(insert(cast(Table, PointsEntry.__table__)), rows)
    return len(rows)


async def _locked_balances(session: AsyncSession, *, user_ids: Sequence[int],
                           now: datetime) -> dict[int, tuple[int, int]]:
    """Each user's points balance and points earned, their rows locked (created first when
    missing)."""
    def locked() -> Any:
        return (select(PointsAccount.user_id, PointsAccount.balance_points,
                       PointsAccount.earned_points)
                .where(PointsAccount.user_id.in_(user_ids))
                .order_by(PointsAccount.user_id).with_for_update())

    async def read() -> dict[int, tuple[int, int]]:
        return {row.user_id: (row.balance_points, row.earned_points)
                for row in await session.execute(locked())}

    balances = await read()
    missing = [user_id for user_id in user_ids if user_id not in balances]
    if missing:
        for user_id in missing:
            await _ensure_account(session, user_id=user_id, now=now)
        balances = await read()
    return balances


async def spend(session: AsyncSession, *, user_id: int, points: int, reason: str, reference: str,
                now: datetime) -> PointsEntry:
    """Debit ``points`` from ``user_id``.

    Raises ``Conflict('marketing.insufficient_points')`` when the balance is smaller, and
    ``Conflict('marketing.points_reference_used')`` when ``reference`` was already recorded.
    """
    if points <= 0:
        raise ValueError("spend takes a positive number of points")
    if await entry_for(session, reference=reference) is not None:
        raise Conflict("marketing.points_reference_used", "these points were already spent")
    # The guard and the change are one statement: two concurrent redemptions can never both
    # see the same balance.
    changed = await update_returning(
        session,
        update(PointsAccount)
        .where(PointsAccount.user_id == user_id, PointsAccount.balance_points >= points)
        .values(balance_points=PointsAccount.balance_points - points,
                spent_points=PointsAccount.spent_points + points, updated_at=now),
        [PointsAccount.balance_points], row=PointsAccount.user_id == user_id)
    if changed is None:
        raise Conflict("marketing.insufficient_points", f"this needs {points} points")
    balance_after = changed.balance_points
    return await _append(session, user_id=user_id, delta=-points, balance_after=balance_after,
                         reason=reason, reference=reference, now=now)


async def _append(session: AsyncSession, *, user_id: int, delta: int, balance_after: int,
                  reason: str, reference: str, now: datetime) -> PointsEntry:
    entry = PointsEntry(user_id=user_id, delta_points=delta, balance_after_points=balance_after,
                        reason=reason, reference=reference, created_at=now)
    session.add(entry)
    await session.flush()
    return entry


async def balance(session: AsyncSession, *, user_id: int) -> PointsBalance:
    account = await session.scalar(select(PointsAccount).where(PointsAccount.user_id == user_id))
    if account is None:
        return PointsBalance(user_id=user_id, balance_points=0, earned_points=0, spent_points=0)
    return PointsBalance(user_id=user_id, balance_points=account.balance_points,
                         earned_points=account.earned_points, spent_points=account.spent_points)


async def entries(session: AsyncSession, *, user_id: int, limit: int,
                  before_id: int | None) -> list[PointsEntry]:
    query = select(PointsEntry).where(PointsEntry.user_id == user_id)
    if before_id is not None:
        query = query.where(PointsEntry.id < before_id)
    return list(await session.scalars(query.order_by(PointsEntry.id.desc()).limit(limit)))


async def points_per_yuan(session: AsyncSession, *, now: datetime) -> Decimal:
    """The earning rate at ``now``: the latest policy row effective by then, else the setting."""
    rate = await session.scalar(
        select(PointsPolicy.points_per_yuan).where(PointsPolicy.effective_at <= now)
        .order_by(PointsPolicy.effective_at.desc(), PointsPolicy.id.desc()).limit(1)
    )
    return get_policy().points_per_yuan if rate is None else Decimal(rate)


async def set_points_per_yuan(session: AsyncSession, *, points_per_yuan: Decimal,
                              effective_at: datetime, actor_id: int, now: datetime
                              ) -> PointsPolicy:
    """A new earning rate from ``effective_at`` on (audited). Raises ``InvalidInput`` for a
    negative rate or one effective in the past (past awards stay as they were)."""
    if points_per_yuan < 0:
        raise field_error("points_per_yuan", "must not be negative")
    if effective_at < now:
        raise field_error("effective_at", "must not be in the past")
    policy = PointsPolicy(points_per_yuan=points_per_yuan, effective_at=effective_at,
                          created_by=actor_id, created_at=now)
    session.add(policy)
    await session.flush()
    await audit_service.record(session, action="marketing.points_policy_set",
                               target_type="points_policy", target_id=policy.id, now=now,
                               actor_id=actor_id,
                               summary={"points_per_yuan": str(points_per_yuan),
                                        "effective_at": effective_at.isoformat()})
    return policy


async def verify(session: AsyncSession) -> PointsReport:
    """Recompute every balance from the journal and check each entry's running balance."""
    report = PointsReport()
    sums = {row.user_id: row for row in (await session.execute(
        select(PointsEntry.user_id, func.count().label("n"),
               func.coalesce(func.sum(PointsEntry.delta_points), 0).label("net"))
        .group_by(PointsEntry.user_id)
    )).all()}
    accounts = list(await session.scalars(select(PointsAccount)))
    report.accounts = len(accounts)
    report.entries = sum(int(row.n) for row in sums.values())
    for account in accounts:
        row = sums.pop(account.user_id, None)
        net = int(row.net) if row is not None else 0
        if net != account.balance_points:
            report.problems.append(f"user {account.user_id}: balance {account.balance_points} "
                                   f"but entries sum to {net}")
        if account.earned_points - account.spent_points != account.balance_points:
            report.problems.append(f"user {account.user_id}: earned - spent != balance")
    for user_id in sums:
        report.problems.append(f"user {user_id}: entries without a points account")
    await _verify_running_balances(session, report)
    return report


async def _verify_running_balances(session: AsyncSession, report: PointsReport) -> None:
    running: dict[int, int] = {}
    rows = await session.stream(
        select(PointsEntry.id, PointsEntry.user_id, PointsEntry.delta_points,
               PointsEntry.balance_after_points).order_by(PointsEntry.id)
    )
    async for entry_id, user_id, delta, balance_after in rows:
        running[user_id] = running.get(user_id, 0) + delta
        if running[user_id] != balance_after:
            report.problems.append(f"entry {entry_id}: balance_after {balance_after} "
                                   f"but running balance is {running[user_id]}")
