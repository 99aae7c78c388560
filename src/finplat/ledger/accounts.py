"""Accounts: get-or-create by (kind, reference), queries, and the open/frozen/closed states."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from finplat.core.clock import ensure_utc
from finplat.core.errors import field_error
from finplat.core.money import CNY
from finplat.core.statements import insert_unless_taken, update_returning
from finplat.ledger import chart
from finplat.ledger.exceptions import AccountClosed, AccountNotEmpty, AccountNotFound
from finplat.ledger.models import LedgerAccount, LedgerHold


async def _find(session: AsyncSession, kind: str, reference: str) -> LedgerAccount | None:
    return await session.scalar(
        select(LedgerAccount)
        .where(LedgerAccount.kind == kind, LedgerAccount.reference == reference)
    )


async def get_or_create(session: AsyncSession, *, kind: str, reference: str, now: datetime,
                        owner_user_id: int | None = None, name: str | None = None,
                        currency: str = CNY) -> LedgerAccount:
    """The account of ``kind`` for ``reference``, created on first use.

    Safe under concurrency: a racing twin's insert is ignored on the unique (kind, reference)
    and both callers get the same row. Raises ``InvalidInput`` for an unknown kind or a malformed
    reference.
    """
    try:
        spec = chart.kind_of(kind)
    except ValueError:
        raise field_error("kind", f"unknown account kind {kind!r}") from None
    if not chart.valid_reference(reference) or (spec.singleton and reference != chart.PLATFORM):
        raise field_error("reference", f"{reference!r} is not a valid reference for {kind}")
    account = await _find(session, kind, reference)
    if account is not None:
        return account
    now = ensure_utc(now)
    await insert_unless_taken(session, LedgerAccount, {
        "kind": kind, "reference": reference, "name": name or f"{spec.name} {reference}",
        "normal_balance": spec.normal_balance, "currency": currency,
        "owner_user_id": owner_user_id,
        "debits_must_not_exceed_credits": spec.debits_must_not_exceed_credits,
        "credits_must_not_exceed_debits": spec.credits_must_not_exceed_debits,
        "tracks_balance": spec.tracks_balance, "status": "open", "debits_posted": 0,
        "credits_posted": 0, "debits_pending": 0, "credits_pending": 0, "version": 0,
        "created_at": now, "updated_at": now,
    })
    account = await _find(session, kind, reference)
    assert account is not None, "account vanished right after its insert"
    return account


async def ensure_platform_accounts(session: AsyncSession, *, now: datetime) -> dict[str, int]:
    """Create the platform's own books if missing; returns ``{kind: account_id}``. Idempotent."""
    ids: dict[str, int] = {}
    for kind in chart.PLATFORM_KINDS:
        ids[kind] = (await get_or_create(session, kind=kind, reference=chart.PLATFORM, now=now)).id
    return ids


async def platform_account_id(session: AsyncSession, kind: str, *, now: datetime) -> int:
    return (await get_or_create(session, kind=kind, reference=chart.PLATFORM, now=now)).id


async def open_customer_wallet(session: AsyncSession, *, user_id: int, now: datetime) -> int:
    """The wallet account id of ``user_id``, opened on the first call (idempotent)."""
    account = await get_or_create(session, kind=chart.CUSTOMER_WALLET,
                                  reference=chart.wallet_reference(user_id), now=now,
                                  owner_user_id=user_id, name=f"Wallet of user {user_id}")
    return account.id


# (kind, reference) -> id of accounts that exist, per engine. An account's id never changes and
# accounts are never deleted (closed at most), so an id once committed stays true: the funds
# path reads its wallet and platform books from here instead of a statement per use case. Ids
# seen in a transaction are kept only once it commits (a rolled-back insert leaves none behind).
_KNOWN: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], int]] = weakref.WeakKeyDictionary()
_KNOWN_LIMIT = 100_000
_SEEN = "ledger.account_ids"


@event.listens_for(Session, "after_commit")
def _keep_committed_ids(session: Session) -> None:
    seen = session.info.pop(_SEEN, None)
    if seen:
        known = _KNOWN.setdefault(session.get_bind(), {})
        if len(known) > _KNOWN_LIMIT:
            known.clear()
        known.update(seen)


@event.listens_for(Session, "after_rollback")
def _drop_uncommitted_ids(session: Session) -> None:
    session.info.pop(_SEEN, None)


def forget_known_ids() -> None:
    """For tests that delete accounts (emptying every table between tests)."""
    _KNOWN.clear()


async def wallet_and_platform_ids(session: AsyncSession, *, user_id: int, kinds: tuple[str, ...],
                                  now: datetime) -> tuple[int, dict[str, int]]:
    """The wallet of ``user_id`` and the platform accounts of ``kinds`` (each opened on first
    use, as ``open_customer_wallet`` and ``platform_account_id`` do): no statement when all are
    known already, else one to read them."""
    wanted = [(chart.CUSTOMER_WALLET, chart.wallet_reference(user_id)),
              *((kind, chart.PLATFORM) for kind in kinds)]
    known = _KNOWN.get(session.get_bind(), {})
    found = {key: known[key] for key in wanted if key in known}
    missing = [key for key in wanted if key not in found]
    if missing:
        rows = await session.execute(
            select(LedgerAccount.kind, LedgerAccount.reference, LedgerAccount.id)
            .where(or_(*(and_(LedgerAccount.kind == kind, LedgerAccount.reference == reference)
                         for kind, reference in missing))))
        found.update({(row.kind, row.reference): row.id for row in rows})
    wallet_id = found.get(wanted[0])
    if wallet_id is None:
        wallet_id = found[wanted[0]] = await open_customer_wallet(session, user_id=user_id, now=now)
    platform = {}
    for kind in kinds:
        key = (kind, chart.PLATFORM)
        if key not in found:
            found[key] = await platform_account_id(session, kind, now=now)
        platform[kind] = found[key]
    if missing:
        session.sync_session.info.setdefault(_SEEN, {}).update(found)
    return wallet_id, platform


async def wallet_of(session: AsyncSession, user_id: int) -> int | None:
    """The wallet account id of ``user_id``, or None when none was opened (user not verified)."""
    return await session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.kind == chart.CUSTOMER_WALLET,
                                       LedgerAccount.reference == chart.wallet_reference(user_id))
    )


async def wallets_of(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, int]:
    """user id -> wallet account id, for those of ``user_ids`` that have one (one statement)."""
    if not user_ids:
        return {}
    by_reference = {chart.wallet_reference(user_id): user_id for user_id in set(user_ids)}
    rows = await session.execute(
        select(LedgerAccount.id, LedgerAccount.reference)
        .where(LedgerAccount.kind == chart.CUSTOMER_WALLET,
               LedgerAccount.reference.in_(sorted(by_reference))))
    return {by_reference[row.reference]: int(row.id) for row in rows}


async def get(session: AsyncSession, account_id: int) -> LedgerAccount:
    """Raises ``AccountNotFound``."""
    account = await session.get(LedgerAccount, account_id, populate_existing=True)
    if account is None:
        raise AccountNotFound(account_id)
    return account


async def find(session: AsyncSession, *, kind: str, reference: str) -> LedgerAccount | None:
    return await _find(session, kind, reference)


async def set_status(session: AsyncSession, *, account_id: int, status: str,
                     now: datetime) -> LedgerAccount:
    """Freeze (``frozen``: no movement), unfreeze (``open``) or close (``closed``) an account.

    Closing needs a zero balance and no pending amounts. Raises ``AccountNotFound``,
    ``AccountClosed`` (a closed account stays closed), ``AccountNotEmpty``.
    """
    if status not in ("open", "frozen", "closed"):
        raise field_error("status", "must be open, frozen or closed")
    account = await get(session, account_id)
    if account.status == "closed":
        raise AccountClosed(account_id)
    guard = [LedgerAccount.id == account_id, LedgerAccount.status != "closed"]
    if status == "closed":
        if not account.tracks_balance:
            raise AccountNotEmpty()
        open_holds = await session.scalar(
            select(LedgerHold.id).where(LedgerHold.status == "open",
                                        (LedgerHold.debit_account_id == account_id)
                                        | (LedgerHold.credit_account_id == account_id)).limit(1))
        if open_holds is not None:
            raise AccountNotEmpty()
        # Checked in the same statement that closes, so a concurrent posting cannot slip in.
        guard += [LedgerAccount.debits_posted == LedgerAccount.credits_posted,
                  LedgerAccount.debits_pending == 0, LedgerAccount.credits_pending == 0]
    changed = await update_returning(
        session, update(LedgerAccount).where(*guard)
        .values(status=status, updated_at=ensure_utc(now)),
        [LedgerAccount.id], row=LedgerAccount.id == account_id)
    if changed is None:
        raise AccountNotEmpty() if status == "closed" else AccountClosed(account_id)
    return await get(session, account_id)
