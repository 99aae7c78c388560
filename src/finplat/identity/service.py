"""Accounts: creating users, registration, contact confirmation, profile changes, risk level.

Public functions are keyword-only. Those taking ``db`` are whole use cases (one transaction);
those taking ``session`` run inside a caller's transaction.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.config import Settings
from finplat.core import crypto
from finplat.core.db import Database
from finplat.core.errors import Conflict, InvalidInput, NotFound, field_error
from finplat.events import service as events_service
from finplat.identity import credentials, identifiers
from finplat.identity.models import (
    ALL_ROLES,
    STAFF_ROLES,
    OneTimeCode,
    RefreshToken,
    User,
    UserRole,
)
from finplat.identity.notifier import Notifier

PHONE_PURPOSE = "identity.phone"
EMAIL_PURPOSE = "identity.email"
MAX_CODE_ATTEMPTS = 5
RISK_LEVELS = ("C1", "C2", "C3", "C4", "C5")


@dataclass(frozen=True)
class LoginKey:
    """Where a login string points: a phone, an email or a user name."""

    kind: str  # "phone" | "email" | "username"
    value: str


def parse_login(login: str) -> LoginKey:
    text = login.strip()
    if "@" in text:
        try:
            return LoginKey("email", identifiers.normalize_email(text))
        except identifiers.IdentifierError:
            return LoginKey("username", text)
    try:
        return LoginKey("phone", identifiers.normalize_phone(text))
    except identifiers.IdentifierError:
        return LoginKey("username", text)


async def find_by_login(session: AsyncSession, login: str, *, for_update: bool = False
                        ) -> User | None:
    key = parse_login(login)
    if key.kind == "phone":
        condition = User.phone_index == crypto.blind_index(key.value, purpose=PHONE_PURPOSE)
    elif key.kind == "email":
        condition = User.email_index == crypto.blind_index(key.value, purpose=EMAIL_PURPOSE)
    else:
        condition = User.username == key.value
    statement = select(User).where(condition)
    if for_update:
        statement = statement.with_for_update()
    return await session.scalar(statement)


def _check_roles(roles: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(roles)
    unknown = wanted - ALL_ROLES
    if not wanted or unknown:
        raise field_error("roles", "must be one or more of: " + ", ".join(sorted(ALL_ROLES)),
                          code="identity.unknown_role")
    return wanted


async def create_user(session: AsyncSession, *, now: datetime, password: str | None,
                      phone: str | None = None, email: str | None = None,
                      username: str | None = None, roles: Iterable[str] = ("investor",),
                      institution_id: int | None = None, contacts_confirmed: bool = False,
                      actor_id: int | None = None) -> tuple[User, str | None]:
    """Add a user with credentials and roles; ``(user, totp_secret)`` (a secret for staff only).
    ``password=None`` makes an account that logs in only through a linked third party.

    Raises ``InvalidInput`` (bad contact, weak password, unknown role) and
    ``Conflict('identity.login_taken')``.
    """
    wanted = _check_roles(roles)
    phone = _normalized(identifiers.normalize_phone, phone, "phone")
    email = _normalized(identifiers.normalize_email, email, "email")
    if not (phone or email or username):
        raise field_error("phone", "give a phone or an email", code="identity.login_required")
    if password is not None:
        credentials.check_password_policy(password, logins=(phone, email, username))
    user = User(
        status="active", username=username, phone=phone, email=email,
        phone_index=phone and crypto.blind_index(phone, purpose=PHONE_PURPOSE),
        email_index=email and crypto.blind_index(email, purpose=EMAIL_PURPOSE),
        phone_confirmed_at=now if phone and contacts_confirmed else None,
        email_confirmed_at=now if email and contacts_confirmed else None,
        password_hash=None if password is None else credentials.hash_password(password),
        totp_secret=credentials.new_totp_secret() if wanted & STAFF_ROLES else None,
        session_epoch=0, failed_login_count=0, kyc_status="unverified",
        institution_id=institution_id, created_at=now, updated_at=now,
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict("identity.login_taken", "this phone, email or user name is already registered"
                       ) from None
    for role in sorted(wanted):
        session.add(UserRole(user_id=user.id, role=role, granted_at=now))
    await session.flush()
    await audit_service.record(session, action="identity.user_created", target_type="user",
                               target_id=user.id, now=now, actor_id=actor_id,
                               summary={"roles": sorted(wanted), "staff": bool(wanted & STAFF_ROLES)})
    await events_service.publish(session, topic="identity.user_registered", now=now,
                                 payload={"user_id": user.id, "roles": sorted(wanted)})
    return user, user.totp_secret


def _normalized(normalize, value: str | None, field: str) -> str | None:  # type: ignore[no-untyped-def]
    if value is None or not value.strip():
        return None
    try:
        return normalize(value)
    except identifiers.IdentifierError as error:
        raise field_error(field, str(error)) from None


def _code_digest(user_id: int, code: str) -> str:
    return credentials.token_digest(f"{user_id}:{code}")


async def _issue_code(session: AsyncSession, *, user_id: int, channel: str, destination: str,
                      now: datetime, settings: Settings) -> str:
    # A new code replaces any earlier one for the same user and channel.
    await session.execute(
        update(OneTimeCode).where(OneTimeCode.user_id == user_id, OneTimeCode.channel == channel,
                                  OneTimeCode.consumed_at.is_(None)).values(consumed_at=now))
    code = f"{secrets.randbelow(10 ** 6):06d}"
    session.add(OneTimeCode(user_id=user_id, channel=channel, destination=destination,
                            code_hash=_code_digest(user_id, code), attempts=0, created_at=now,
                            expires_at=now + timedelta(seconds=settings.otp_ttl_seconds)))
    await session.flush()
    return code


async def _consume_code(session: AsyncSession, *, user_id: int, channel: str, code: str,
                        now: datetime) -> OneTimeCode:
    """The matching live code, marked used; raises ``InvalidInput('identity.code_invalid')``."""
    row = await session.scalar(
        select(OneTimeCode).where(OneTimeCode.user_id == user_id, OneTimeCode.channel == channel,
                                  OneTimeCode.consumed_at.is_(None))
        .order_by(OneTimeCode.id.desc()).limit(1).with_for_update())
    invalid = field_error("code", "the code is wrong or has expired", code="identity.code_invalid")
    if row is None or row.expires_at <= now or row.attempts >= MAX_CODE_ATTEMPTS:
        raise invalid
    if not hmac.compare_digest(row.code_hash, _code_digest(user_id, code)):
        row.attempts += 1
        raise _Remembered(invalid)
    row.consumed_at = now
    return row


class _Remembered(Exception):
    """A failure whose side effect (a counted attempt) must still be committed."""

    def __init__(self, error: InvalidInput) -> None:
        super().__init__(error.detail)
        self.error = error


async def _run_remembering(db: Database, work):  # type: ignore[no-untyped-def]
    """Run ``work``; a ``_Remembered`` failure commits what was done, then raises its error."""
    async def guarded(session: AsyncSession):  # type: ignore[no-untyped-def]
        try:
            return await work(session), None
        except _Remembered as remembered:
            return None, remembered.error

    result, error = await db.run(guarded)
    if error is not None:
        raise error
    return result


async def register(db: Database, *, phone: str | None, email: str | None, password: str,
                   now: datetime, settings: Settings, notifier: Notifier) -> int:
    """Register an investor by phone or email; a code is sent to confirm the contact.

    Raises ``InvalidInput`` and ``Conflict('identity.login_taken')``.
    """
    if bool(phone) == bool(email):
        raise field_error("phone", "give exactly one of phone or email", code="identity.login_required")

    async def work(session: AsyncSession) -> tuple[int, str, str, str]:
        user, _ = await create_user(session, now=now, password=password, phone=phone, email=email)
        channel, destination = ("phone", user.phone) if user.phone else ("email", user.email)
        assert destination is not None
        code = await _issue_code(session, user_id=user.id, channel=channel,
                                 destination=destination, now=now, settings=settings)
        return user.id, channel, destination, code

    user_id, channel, destination, code = await db.run(work)
    await notifier.send_code(channel=channel, destination=destination, code=code,
                             purpose="confirm_contact")
    return user_id


async def resend_confirmation(db: Database, *, login: str, now: datetime, settings: Settings,
                              notifier: Notifier) -> None:
    """Send a new confirmation code for an unconfirmed registration contact. Silent when the
    login is unknown or already confirmed, so that it reveals nothing."""
    async def work(session: AsyncSession) -> tuple[str, str, str] | None:
        user = await find_by_login(session, login, for_update=True)
        if user is None:
            return None
        if user.phone and user.phone_confirmed_at is None:
            channel, destination = "phone", user.phone
        elif user.email and user.email_confirmed_at is None:
            channel, destination = "email", user.email
        else:
            return None
        code = await _issue_code(session, user_id=user.id, channel=channel,
                                 destination=destination, now=now, settings=settings)
        return channel, destination, code

    sent = await db.run(work)
    if sent is not None:
        await notifier.send_code(channel=sent[0], destination=sent[1], code=sent[2],
                                 purpose="confirm_contact")


async def confirm_contact(db: Database, *, login: str, code: str, now: datetime) -> None:
    """Confirm the registration phone/email with its code. Raises
    ``InvalidInput('identity.code_invalid')`` (also for an unknown login)."""
    async def work(session: AsyncSession) -> None:
        user = await find_by_login(session, login, for_update=True)
        if user is None:
            raise field_error("code", "the code is wrong or has expired", code="identity.code_invalid")
        channel = "phone" if user.phone and user.phone_confirmed_at is None else "email"
        row = await _consume_code(session, user_id=user.id, channel=channel, code=code, now=now)
        if row.destination != (user.phone if channel == "phone" else user.email):
            raise field_error("code", "the code is wrong or has expired", code="identity.code_invalid")
        if channel == "phone":
            user.phone_confirmed_at = now
        else:
            user.email_confirmed_at = now
        user.updated_at = now
        await audit_service.record(session, action="identity.contact_confirmed", target_type="user",
                                   target_id=user.id, now=now, actor_id=user.id,
                                   summary={"channel": channel})

    await _run_remembering(db, work)


async def request_contact_change(db: Database, *, user_id: int, phone: str | None,
                                 email: str | None, now: datetime, settings: Settings,
                                 notifier: Notifier) -> str:
    """Send a code to a new phone or email; it replaces the old one once confirmed.
    Returns the channel. Raises ``InvalidInput`` and ``Conflict('identity.login_taken')``."""
    if bool(phone) == bool(email):
        raise field_error("phone", "give exactly one of phone or email")
    channel = "phone" if phone else "email"
    destination = (_normalized(identifiers.normalize_phone, phone, "phone") if phone
                   else _normalized(identifiers.normalize_email, email, "email"))
    assert destination is not None

    async def work(session: AsyncSession) -> str:
        await _ensure_contact_free(session, channel=channel, destination=destination,
                                   user_id=user_id)
        return await _issue_code(session, user_id=user_id, channel=f"change_{channel}",
                                 destination=destination, now=now, settings=settings)

    code = await db.run(work)
    await notifier.send_code(channel=channel, destination=destination, code=code,
                             purpose="change_contact")
    return channel


async def _ensure_contact_free(session: AsyncSession, *, channel: str, destination: str,
                               user_id: int) -> str:
    purpose = PHONE_PURPOSE if channel == "phone" else EMAIL_PURPOSE
    index = crypto.blind_index(destination, purpose=purpose)
    column = User.phone_index if channel == "phone" else User.email_index
    owner = await session.scalar(select(User.id).where(column == index))
    if owner is not None and owner != user_id:
        raise Conflict("identity.login_taken", f"this {channel} is already registered")
    return index


async def confirm_contact_change(db: Database, *, user_id: int, channel: str, code: str,
                                 now: datetime) -> None:
    """Apply a requested phone/email change with its code. Raises
    ``InvalidInput('identity.code_invalid')`` and ``Conflict('identity.login_taken')``."""
    if channel not in ("phone", "email"):
        raise field_error("channel", "must be phone or email")

    async def work(session: AsyncSession) -> None:
        user = await _locked_user(session, user_id)
        row = await _consume_code(session, user_id=user_id, channel=f"change_{channel}",
                                  code=code, now=now)
        index = await _ensure_contact_free(session, channel=channel, destination=row.destination,
                                           user_id=user_id)
        if channel == "phone":
            user.phone, user.phone_index, user.phone_confirmed_at = row.destination, index, now
        else:
            user.email, user.email_index, user.email_confirmed_at = row.destination, index, now
        user.updated_at = now
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:
            raise Conflict("identity.login_taken", f"this {channel} is already registered") from None
        await audit_service.record(session, action="identity.contact_changed", target_type="user",
                                   target_id=user.id, now=now, actor_id=user.id,
                                   summary={"channel": channel})

    await _run_remembering(db, work)


async def _locked_user(session: AsyncSession, user_id: int) -> User:
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound("identity.user_not_found", "no such user")
    return user


async def revoke_all_sessions(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    """End every session of a user: refresh tokens revoked, access tokens' epoch passed."""
    await session.execute(
        update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now))
    await session.execute(
        update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1))


async def set_risk_level(session: AsyncSession, *, user_id: int, risk_level: str,
                         expires_at: datetime, now: datetime) -> None:
    """Record the user's risk tolerance (C1..C5) from an assessment, valid until ``expires_at``.

    Called by the package that runs the questionnaire, in its transaction. Raises
    ``InvalidInput`` and ``NotFound('identity.user_not_found')``.
    """
    if risk_level not in RISK_LEVELS:
        raise InvalidInput("identity.unknown_risk_level", f"risk level must be one of {RISK_LEVELS}")
    user = await _locked_user(session, user_id)
    user.risk_level, user.risk_level_expires_at, user.updated_at = risk_level, expires_at, now
    await audit_service.record(session, action="identity.risk_level_set", target_type="user",
                               target_id=user_id, now=now,
                               summary={"risk_level": risk_level, "expires_at": expires_at.isoformat()})
