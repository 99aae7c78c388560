"""Sessions: login (with lockout and staff TOTP), refresh-token rotation, logout."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.config import Settings
from finplat.core import crypto
from finplat.core.db import Database
from finplat.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    field_error,
)
from finplat.events import service as events_service
from finplat.identity import credentials
from finplat.identity.events import LoggedIn, LoginFailed
from finplat.identity.models import STAFF_ROLES, USER_ACTIVE, RefreshToken, User
from finplat.identity.queries import roles_of
from finplat.identity.service import find_by_login, revoke_all_sessions


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user_id: int

    def body(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }


def _invalid_credentials() -> Unauthenticated:
    return Unauthenticated("auth.invalid_credentials", "the login or password is not correct")


def _locked(until: datetime, now: datetime) -> RateLimited:
    seconds = max(int((until - now).total_seconds()), 1)
    return RateLimited(
        "auth.account_locked",
        "too many failed logins; the account is locked for a while",
        headers={"Retry-After": str(seconds)},
    )


async def issue_pair(
    session: AsyncSession,
    *,
    user: User,
    now: datetime,
    settings: Settings,
    family_id: str | None = None,
) -> TokenPair:
    """A new access token and refresh token (a new family unless rotating one)."""
    refresh = credentials.new_opaque_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or secrets.token_hex(16),
            token_hash=credentials.token_digest(refresh),
            issued_at=now,
            expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds),
        )
    )
    await session.flush()
    access = credentials.issue_access_token(
        secret_key=settings.secret_key,
        user_id=user.id,
        session_epoch=user.session_epoch,
        now=now,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.access_token_ttl_seconds,
        user_id=user.id,
    )


async def _record_failure(
    session: AsyncSession, user: User, *, now: datetime, settings: Settings, reason: str,
    device: str | None,
) -> DomainError:
    window = timedelta(seconds=settings.login_failure_window_seconds)
    if user.first_failed_login_at is None or now - user.first_failed_login_at >= window:
        user.failed_login_count, user.first_failed_login_at = 1, now
    else:
        user.failed_login_count += 1
    # Recorded as an event too: risk monitoring watches repeated failures.
    await events_service.record(
        session,
        LoginFailed(user_id=user.id, failures=user.failed_login_count, device_fingerprint=device),
        target_type="user",
        target_id=user.id,
        now=now,
        actor_id=user.id,
        summary={"reason": reason, "failures": user.failed_login_count},
    )
    if user.failed_login_count >= settings.login_max_failures:
        user.locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
        user.failed_login_count, user.first_failed_login_at = 0, None
        await audit_service.record(
            session,
            action="identity.account_locked",
            target_type="user",
            target_id=user.id,
            now=now,
            actor_id=user.id,
            summary={"until": user.locked_until.isoformat()},
        )
        return _locked(user.locked_until, now)
    if reason == "totp":
        return Unauthenticated("auth.totp_invalid", "the one-time code is missing or wrong")
    return _invalid_credentials()


def _contact_confirmed(user: User) -> bool:
    if user.username and not (user.phone or user.email):
        return True
    return user.phone_confirmed_at is not None or user.email_confirmed_at is not None


@dataclass(frozen=True)
class _Checked:
    """What was verified outside the write transaction (argon2 is slow; no lock is held)."""

    user_id: int
    password_hash: str | None
    password_ok: bool
    device: str | None = None  # the device id's keyed fingerprint


async def _check_password(db: Database, *, login: str, password: str) -> _Checked | None:
    async with db.transaction(readonly=True) as session:
        user = await find_by_login(session, login)
        user_id, password_hash = (None, None) if user is None else (user.id, user.password_hash)
    # Unknown logins cost the same as known ones, so that timing reveals nothing.
    password_ok = await credentials.verify_password_async(password_hash, password)
    return None if user_id is None else _Checked(user_id, password_hash, password_ok)


async def _login(
    session: AsyncSession,
    *,
    checked: _Checked,
    totp_code: str | None,
    now: datetime,
    settings: Settings,
) -> TokenPair | DomainError:
    user = await session.scalar(select(User).where(User.id == checked.user_id).with_for_update())
    if user is None or user.password_hash != checked.password_hash:
        return _invalid_credentials()  # deleted or password changed meanwhile
    if user.locked_until is not None and user.locked_until > now:
        return _locked(user.locked_until, now)
    if not checked.password_ok:
        return await _record_failure(session, user, now=now, settings=settings, reason="password",
                                     device=checked.device)
    roles = await roles_of(session, user.id)
    if roles & STAFF_ROLES:
        if user.totp_secret is None:
            return Forbidden("auth.totp_not_enrolled", "this staff account has no TOTP secret")
        if not totp_code:
            return Unauthenticated(
                "auth.totp_required", "staff must give a one-time code (totp_code)"
            )
        step = credentials.verify_totp(
            user.totp_secret, totp_code, now=now, last_step=user.totp_last_step
        )
        if step is None:
            return await _record_failure(session, user, now=now, settings=settings, reason="totp",
                                         device=checked.device)
        user.totp_last_step = step
    if user.status != USER_ACTIVE:
        return Forbidden("auth.account_disabled", f"this account is {user.status}")
    if settings.contact_otp_required and not _contact_confirmed(user):
        return Forbidden(
            "identity.contact_unconfirmed",
            "confirm your phone or email with the code sent to it first",
        )
    user.failed_login_count, user.first_failed_login_at, user.locked_until = 0, None, None
    pair = await issue_pair(session, user=user, now=now, settings=settings)
    await events_service.record(
        session,
        LoggedIn(user_id=user.id, device_fingerprint=checked.device),
        target_type="user",
        target_id=user.id,
        now=now,
        actor_id=user.id,
    )
    return pair


async def login(
    db: Database,
    *,
    login: str,
    password: str,
    totp_code: str | None,
    now: datetime,
    settings: Settings,
    device_id: str | None = None,
) -> TokenPair:
    """Log in. Failed attempts are counted (and committed) before the failure is raised.

    Raises ``Unauthenticated`` (``auth.invalid_credentials``, ``auth.totp_required``,
    ``auth.totp_invalid``), ``RateLimited('auth.account_locked')`` and ``Forbidden``
    (``auth.account_disabled``, ``identity.contact_unconfirmed``).
    """
    checked = await _check_password(db, login=login, password=password)
    if checked is None:
        raise _invalid_credentials()
    if device_id:
        checked = replace(checked, device=crypto.blind_index(device_id, purpose="device"))

    async def work(session: AsyncSession) -> TokenPair | DomainError:
        return await _login(
            session, checked=checked, totp_code=totp_code, now=now, settings=settings
        )

    result = await db.run(work)
    if isinstance(result, DomainError):
        raise result
    return result


def _invalid_refresh() -> Unauthenticated:
    return Unauthenticated("auth.invalid_refresh_token", "the refresh token is not valid")


async def _revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def _refresh(
    session: AsyncSession, *, refresh_token: str, now: datetime, settings: Settings
) -> TokenPair | DomainError:
    token = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == credentials.token_digest(refresh_token))
        .with_for_update()
    )
    if token is None or token.revoked_at is not None:
        return _invalid_refresh()
    if token.rotated_at is not None:
        # A rotated token came back: someone holds a copy. End the whole family.
        await _revoke_family(session, token.family_id, now)
        await audit_service.record(
            session,
            action="identity.refresh_token_reused",
            target_type="user",
            target_id=token.user_id,
            now=now,
            actor_id=token.user_id,
            summary={"family": token.family_id},
        )
        return Unauthenticated(
            "auth.refresh_token_reused",
            "this refresh token was already used; every session of it has ended",
        )
    if token.expires_at <= now:
        return _invalid_refresh()
    user = await session.get(User, token.user_id)
    if user is None or user.status != USER_ACTIVE:
        return _invalid_refresh()
    token.rotated_at = now
    return await issue_pair(
        session, user=user, now=now, settings=settings, family_id=token.family_id
    )


async def refresh(
    db: Database, *, refresh_token: str, now: datetime, settings: Settings
) -> TokenPair:
    """Rotate a refresh token. Raises ``Unauthenticated`` (``auth.invalid_refresh_token``,
    ``auth.refresh_token_reused`` after revoking the token's family)."""

    async def work(session: AsyncSession) -> TokenPair | DomainError:
        return await _refresh(session, refresh_token=refresh_token, now=now, settings=settings)

    result = await db.run(work)
    if isinstance(result, DomainError):
        raise result
    return result


async def logout(db: Database, *, refresh_token: str, now: datetime) -> None:
    """End the session of a refresh token (its family). Unknown tokens are ignored."""

    async def work(session: AsyncSession) -> None:
        token = await session.scalar(
            select(RefreshToken).where(
                RefreshToken.token_hash == credentials.token_digest(refresh_token)
            )
        )
        if token is None:
            return
        await _revoke_family(session, token.family_id, now)
        await audit_service.record(
            session,
            action="identity.logged_out",
            target_type="user",
            target_id=token.user_id,
            now=now,
            actor_id=token.user_id,
        )

    await db.run(work)


async def change_password(
    db: Database,
    *,
    user_id: int,
    current_password: str,
    new_password: str,
    now: datetime,
    settings: Settings,
) -> TokenPair:
    """Change the password and end every session; the answer is a fresh pair for this client.

    Raises ``InvalidInput`` (``identity.wrong_password``, ``identity.weak_password``),
    ``Conflict('identity.password_changed_meanwhile')`` and ``NotFound``.
    """
    async with db.transaction(readonly=True) as session:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("identity.user_not_found", "no such user")
        old_hash, logins = user.password_hash, (user.phone, user.email, user.username)
    if not await credentials.verify_password_async(old_hash, current_password):
        raise field_error("current_password", "is not correct", code="identity.wrong_password")
    credentials.check_password_policy(new_password, logins=logins, field="new_password")
    new_hash = await credentials.hash_password_async(new_password)

    async def work(session: AsyncSession) -> TokenPair:
        user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
        if user is None:
            raise NotFound("identity.user_not_found", "no such user")
        if user.password_hash != old_hash:
            raise Conflict(
                "identity.password_changed_meanwhile", "the password was changed meanwhile"
            )
        user.password_hash, user.updated_at = new_hash, now
        await revoke_all_sessions(session, user_id=user_id, now=now)
        await session.refresh(user, ["session_epoch"])
        await audit_service.record(
            session,
            action="identity.password_changed",
            target_type="user",
            target_id=user_id,
            now=now,
            actor_id=user_id,
        )
        return await issue_pair(session, user=user, now=now, settings=settings)

    return await db.run(work)
