"""Contact proof: one-time codes by SMS/email confirm a phone or email when a user changes either
(and an account's contact left unconfirmed). Registration proves its contact with a code of its
own, sent before the account exists (``registration``)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.config import Settings
from finplat.core import crypto
from finplat.core.db import Database
from finplat.core.errors import Conflict, InvalidInput, field_error
from finplat.identity import admin, credentials, identifiers
from finplat.identity.models import OneTimeCode, User
from finplat.identity.notifier import Notifier
from finplat.identity.service import (
    EMAIL_PURPOSE,
    PHONE_PURPOSE,
    find_by_login,
    locked_user,
    normalized,
)

MAX_CODE_ATTEMPTS = 5
T = TypeVar("T")


def _code_digest(user_id: int, code: str) -> str:
    return credentials.token_digest(f"{user_id}:{code}")


async def _issue_code(
    session: AsyncSession,
    *,
    user_id: int,
    channel: str,
    destination: str,
    now: datetime,
    settings: Settings,
) -> str:
    # A new code replaces any earlier one for the same user and channel.
    await session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.user_id == user_id,
            OneTimeCode.channel == channel,
            OneTimeCode.consumed_at.is_(None),
        )
        .values(consumed_at=now)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        OneTimeCode(
            user_id=user_id,
            channel=channel,
            destination=destination,
            code_hash=_code_digest(user_id, code),
            attempts=0,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.otp_ttl_seconds),
        )
    )
    await session.flush()
    return code


async def _consume_code(
    session: AsyncSession, *, user_id: int, channel: str, code: str, now: datetime
) -> OneTimeCode:
    """The matching live code, marked used; raises ``InvalidInput('identity.code_invalid')``."""
    row = await session.scalar(
        select(OneTimeCode)
        .where(
            OneTimeCode.user_id == user_id,
            OneTimeCode.channel == channel,
            OneTimeCode.consumed_at.is_(None),
        )
        .order_by(OneTimeCode.id.desc())
        .limit(1)
        .with_for_update()
    )
    use_code(row, digest=_code_digest(user_id, code), now=now)
    assert row is not None
    return row


def use_code(row: Any, *, digest: str, now: datetime) -> None:
    """Mark the live code ``row`` (a locked ``OneTimeCode`` or ``RegistrationCode``, or None)
    used if ``digest`` is its hash. Raises ``InvalidInput('identity.code_invalid')`` for none,
    an expired or exhausted one, and ``_Remembered`` of it for a wrong guess (the attempt is
    counted even though the caller fails)."""
    invalid = field_error("code", "the code is wrong or has expired", code="identity.code_invalid")
    if row is None or row.expires_at <= now or row.attempts >= MAX_CODE_ATTEMPTS:
        raise invalid
    if not hmac.compare_digest(row.code_hash, digest):
        row.attempts += 1
        raise _Remembered(invalid)
    row.consumed_at = now


class _Remembered(Exception):
    """A failure whose side effect (a counted attempt) must still be committed."""

    def __init__(self, error: InvalidInput) -> None:
        super().__init__(error.detail)
        self.error = error


async def _run_remembering(db: Database, work: Callable[[AsyncSession], Awaitable[T]]) -> T | None:
    """Run ``work``; a ``_Remembered`` failure commits what was done, then raises its error."""

    async def guarded(session: AsyncSession) -> tuple[T | None, InvalidInput | None]:
        try:
            return await work(session), None
        except _Remembered as remembered:
            return None, remembered.error

    result, error = await db.run(guarded)
    if error is not None:
        raise error
    return result


async def resend_confirmation(
    db: Database, *, login: str, now: datetime, settings: Settings, notifier: Notifier
) -> None:
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
        code = await _issue_code(
            session,
            user_id=user.id,
            channel=channel,
            destination=destination,
            now=now,
            settings=settings,
        )
        return channel, destination, code

    sent = await db.run(work)
    if sent is not None:
        await notifier.send_code(
            channel=sent[0], destination=sent[1], code=sent[2], purpose="confirm_contact"
        )


async def confirm_contact(db: Database, *, login: str, code: str, now: datetime) -> None:
    """Confirm the registration phone/email with its code. Raises
    ``InvalidInput('identity.code_invalid')`` (also for an unknown login)."""

    async def work(session: AsyncSession) -> None:
        user = await find_by_login(session, login, for_update=True)
        if user is None:
            raise field_error(
                "code", "the code is wrong or has expired", code="identity.code_invalid"
            )
        channel = "phone" if user.phone and user.phone_confirmed_at is None else "email"
        row = await _consume_code(session, user_id=user.id, channel=channel, code=code, now=now)
        if row.destination != (user.phone if channel == "phone" else user.email):
            raise field_error(
                "code", "the code is wrong or has expired", code="identity.code_invalid"
            )
        if channel == "phone":
            user.phone_confirmed_at = now
        else:
            user.email_confirmed_at = now
        user.updated_at = now
        await audit_service.record(
            session,
            action="identity.contact_confirmed",
            target_type="user",
            target_id=user.id,
            now=now,
            actor_id=user.id,
            summary={"channel": channel},
        )

    await _run_remembering(db, work)


async def request_contact_change(
    db: Database,
    *,
    user_id: int,
    phone: str | None,
    email: str | None,
    now: datetime,
    settings: Settings,
    notifier: Notifier,
) -> str:
    """Send a code to a new phone or email; it replaces the old one once confirmed.
    Returns the channel. Raises ``InvalidInput`` and ``Conflict('identity.login_taken')``."""
    # Normalised first: a blank value (" ") is no contact at all, and deciding on the raw text
    # let it through to the code sender with no destination (a 500).
    phone = normalized(identifiers.normalize_phone, phone, "phone")
    email = normalized(identifiers.normalize_email, email, "email")
    if (phone is None) == (email is None):
        raise field_error("phone", "give exactly one of phone or email")
    channel, destination = ("phone", phone) if phone is not None else ("email", email)
    assert destination is not None

    async def work(session: AsyncSession) -> str:
        await _ensure_contact_free(
            session, channel=channel, destination=destination, user_id=user_id
        )
        return await _issue_code(
            session,
            user_id=user_id,
            channel=f"change_{channel}",
            destination=destination,
            now=now,
            settings=settings,
        )

    code = await db.run(work)
    await notifier.send_code(
        channel=channel, destination=destination, code=code, purpose="change_contact"
    )
    return channel


async def _ensure_contact_free(
    session: AsyncSession, *, channel: str, destination: str, user_id: int
) -> str:
    purpose = PHONE_PURPOSE if channel == "phone" else EMAIL_PURPOSE
    index = crypto.blind_index(destination, purpose=purpose)
    column = User.phone_index if channel == "phone" else User.email_index
    owner = await session.scalar(select(User.id).where(column == index))
    if owner is not None and owner != user_id:
        raise Conflict("identity.login_taken", f"this {channel} is already registered")
    return index


async def confirm_contact_change(
    db: Database, *, user_id: int, channel: str, code: str, now: datetime
) -> dict[str, Any]:
    """Apply a requested phone/email change with its code; returns the masked profile as it
    now is. Raises ``InvalidInput('identity.code_invalid')`` and
    ``Conflict('identity.login_taken')``."""
    if channel not in ("phone", "email"):
        raise field_error("channel", "must be phone or email")

    async def work(session: AsyncSession) -> dict[str, Any]:
        user = await locked_user(session, user_id)
        row = await _consume_code(
            session, user_id=user_id, channel=f"change_{channel}", code=code, now=now
        )
        index = await _ensure_contact_free(
            session, channel=channel, destination=row.destination, user_id=user_id
        )
        if channel == "phone":
            user.phone, user.phone_index, user.phone_confirmed_at = row.destination, index, now
        else:
            user.email, user.email_index, user.email_confirmed_at = row.destination, index, now
        user.updated_at = now
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:
            raise Conflict(
                "identity.login_taken", f"this {channel} is already registered"
            ) from None
        await audit_service.record(
            session,
            action="identity.contact_changed",
            target_type="user",
            target_id=user.id,
            now=now,
            actor_id=user.id,
            summary={"channel": channel},
        )
        return await admin.user_view(session, user, now=now)

    profile = await _run_remembering(db, work)
    assert profile is not None  # a remembered failure raised
    return profile
