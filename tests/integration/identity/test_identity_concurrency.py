"""Invariants that depend on locking, raced with real concurrent sessions."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import func, select

from finplat.config import Settings
from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    RateLimited,
    Unauthenticated,
)
from finplat.identity import agreements, kyc, registration, sessions
from finplat.identity.models import RefreshToken, User
from finplat.identity.notifier import DevelopmentNotifier
from tests import factories


async def _outcomes(*calls) -> list[object]:  # type: ignore[no-untyped-def]
    return list(await asyncio.gather(*calls, return_exceptions=True))


async def test_concurrent_failed_logins_lock_exactly_once(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    now = clock.now()
    await factories.make_user(db, now=now, phone="13900000101")
    results = await _outcomes(
        *(
            sessions.login(
                db,
                login="13900000101",
                password="Wrong-pass-1",
                totp_code=None,
                now=now,
                settings=settings,
            )
            for _ in range(settings.login_max_failures + 3)
        )
    )
    assert all(isinstance(r, DomainError) for r in results)
    locked = [r for r in results if isinstance(r, RateLimited)]
    invalid = [r for r in results if isinstance(r, Unauthenticated)]
    # Exactly the first max_failures attempts were counted; the rest met the lock.
    assert len(invalid) == settings.login_max_failures - 1
    assert len(locked) == 4
    async with db.transaction(readonly=True) as session:
        user = await session.scalar(select(User).where(User.username.is_(None)))
        assert user is not None and user.locked_until is not None


async def test_concurrent_refresh_of_one_token_rotates_once(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    now = clock.now()
    await factories.make_user(db, now=now, phone="13900000102")
    pair = await sessions.login(
        db,
        login="13900000102",
        password=factories.DEFAULT_PASSWORD,
        totp_code=None,
        now=now,
        settings=settings,
    )
    results = await _outcomes(
        *(
            sessions.refresh(db, refresh_token=pair.refresh_token, now=now, settings=settings)
            for _ in range(4)
        )
    )
    winners = [r for r in results if isinstance(r, sessions.TokenPair)]
    assert len(winners) == 1
    assert all(isinstance(r, Unauthenticated) for r in results if r not in winners)
    # The losers were reuse of a rotated token: the family, the winner's new token included, ended.
    async with db.transaction(readonly=True) as session:
        live = await session.scalar(
            select(func.count()).select_from(RefreshToken).where(RefreshToken.revoked_at.is_(None))
        )
    assert live == 0


async def test_one_id_number_verifies_one_user_under_a_race(
    db: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    users = [await factories.make_user(db, now=now, verified=False) for _ in range(3)]
    results = await _outcomes(
        *(
            kyc.verify(
                db,
                user_id=user_id,
                real_name="周杰",
                id_number="440524198001010013",
                bank_card_number=None,
                bank_reserved_phone=None,
                now=now,
                minimum_age_years=18,
                provider=kyc.SimulatedIdentityProvider(),
            )
            for user_id in users
        )
    )
    assert sum(isinstance(r, dict) for r in results) == 1
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 2 and {c.code for c in conflicts} == {"identity.id_number_taken"}
    async with db.transaction(readonly=True) as session:
        verified = await session.scalar(
            select(func.count()).select_from(User).where(User.kyc_status == "verified")
        )
    assert verified == 1


async def test_same_user_verifying_twice_at_once_opens_one_account(
    db: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    user_id = await factories.make_user(db, now=now, verified=False)
    results = await _outcomes(
        *(
            kyc.verify(
                db,
                user_id=user_id,
                real_name="周杰",
                id_number=number,
                bank_card_number=None,
                bank_reserved_phone=None,
                now=now,
                minimum_age_years=18,
                provider=kyc.SimulatedIdentityProvider(),
            )
            for number in ("440524198001010013", "11010519491231002X")
        )
    )
    assert sum(isinstance(r, dict) for r in results) == 1
    assert [r.code for r in results if isinstance(r, Conflict)] == ["identity.kyc_already_verified"]


async def test_one_phone_registers_once_under_a_race(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    now: datetime = clock.now()
    notifier = DevelopmentNotifier()
    await registration.send_code(db, phone="13900000103", email=None, now=now,
                                 settings=settings, notifier=notifier)
    code = notifier.last_code("13900000103")
    assert code is not None
    results = await _outcomes(
        *(
            registration.register(
                db,
                phone="13900000103",
                email=None,
                password=factories.DEFAULT_PASSWORD,
                code=code,
                accepted=dict(agreements.CURRENT),
                language="zh",
                now=now,
            )
            for _ in range(3)
        )
    )
    assert sum(isinstance(r, int) for r in results) == 1
    # The twins find the phone taken, or the code used up by the winner.
    assert all(isinstance(r, Conflict | InvalidInput) for r in results if not isinstance(r, int))
