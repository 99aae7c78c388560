"""Accounts: creating users, registration, contact confirmation, profile changes, risk level.

Public functions are keyword-only. Those taking ``db`` are whole use cases (one transaction);
those taking ``session`` run inside a caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core import crypto
from finplat.core.errors import Conflict, InvalidInput, NotFound, field_error
from finplat.events import service as events_service
from finplat.identity import credentials, identifiers
from finplat.identity.events import UserCreated
from finplat.identity.models import (
    ALL_ROLES,
    STAFF_ROLES,
    RefreshToken,
    User,
    UserRole,
)

PHONE_PURPOSE = "identity.phone"
EMAIL_PURPOSE = "identity.email"
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


async def find_by_login(
    session: AsyncSession, login: str, *, for_update: bool = False
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


def check_roles(roles: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(roles)
    unknown = wanted - ALL_ROLES
    if not wanted or unknown:
        raise field_error(
            "roles",
            "must be one or more of: " + ", ".join(sorted(ALL_ROLES)),
            code="identity.unknown_role",
        )
    return wanted


async def prepare_password(
    password: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    username: str | None = None,
) -> str:
    """Check the password policy and hash it, off the event loop and outside any transaction
    (hashing is deliberately slow). Raises ``InvalidInput('identity.weak_password')``."""
    credentials.check_password_policy(password, logins=(phone, email, username))
    return await credentials.hash_password_async(password)


async def create_user(
    session: AsyncSession,
    *,
    now: datetime,
    password_hash: str | None,
    phone: str | None = None,
    email: str | None = None,
    username: str | None = None,
    roles: Iterable[str] = ("investor",),
    institution_id: int | None = None,
    contacts_confirmed: bool = False,
    actor_id: int | None = None,
) -> tuple[User, str | None]:
    """Add a user with credentials and roles; ``(user, totp_secret)`` (a secret for staff only).
    ``password_hash`` comes from ``prepare_password``; None makes an account that logs in only
    through a linked third party.

    Raises ``InvalidInput`` (bad contact, weak password, unknown role) and
    ``Conflict('identity.login_taken')``.
    """
    wanted = check_roles(roles)
    phone = normalized(identifiers.normalize_phone, phone, "phone")
    email = normalized(identifiers.normalize_email, email, "email")
    if not (phone or email or username):
        raise field_error("phone", "give a phone or an email", code="identity.login_required")
    user = User(
        status="active",
        username=username,
        phone=phone,
        email=email,
        phone_index=phone and crypto.blind_index(phone, purpose=PHONE_PURPOSE),
        email_index=email and crypto.blind_index(email, purpose=EMAIL_PURPOSE),
        phone_confirmed_at=now if phone and contacts_confirmed else None,
        email_confirmed_at=now if email and contacts_confirmed else None,
        password_hash=password_hash,
        totp_secret=credentials.new_totp_secret() if wanted & STAFF_ROLES else None,
        session_epoch=0,
        failed_login_count=0,
        kyc_status="unverified",
        institution_id=institution_id,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(
            "identity.login_taken", "this phone, email or user name is already registered"
        ) from None
    for role in sorted(wanted):
        session.add(UserRole(user_id=user.id, role=role, granted_at=now))
    await session.flush()
    await events_service.record(
        session,
        UserCreated(user_id=user.id, roles=sorted(wanted), staff=bool(wanted & STAFF_ROLES)),
        target_type="user",
        target_id=user.id,
        now=now,
        actor_id=actor_id,
    )
    return user, user.totp_secret


def normalized(normalize: Callable[[str], str], value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalize(value)
    except identifiers.IdentifierError as error:
        raise field_error(field, str(error)) from None


async def locked_user(session: AsyncSession, user_id: int) -> User:
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound("identity.user_not_found", "no such user")
    return user


async def revoke_all_sessions(session: AsyncSession, *, user_id: int, now: datetime) -> None:
    """End every session of a user: refresh tokens revoked, access tokens' epoch passed."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await session.execute(
        update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1)
    )


async def set_risk_level(
    session: AsyncSession, *, user_id: int, risk_level: str, expires_at: datetime, now: datetime
) -> None:
    """Record the user's risk tolerance (C1..C5) from an assessment, valid until ``expires_at``.

    Called by the package that runs the questionnaire, in its transaction. Raises
    ``InvalidInput`` and ``NotFound('identity.user_not_found')``.
    """
    if risk_level not in RISK_LEVELS:
        raise InvalidInput(
            "identity.unknown_risk_level", f"risk level must be one of {RISK_LEVELS}"
        )
    user = await locked_user(session, user_id)
    user.risk_level, user.risk_level_expires_at, user.updated_at = risk_level, expires_at, now
    await audit_service.record(
        session,
        action="identity.risk_level_set",
        target_type="user",
        target_id=user_id,
        now=now,
        summary={"risk_level": risk_level, "expires_at": expires_at.isoformat()},
    )
