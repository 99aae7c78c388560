"""Registration: a code sent to the phone or email first, then the account opened with that code
(which proves the contact) and the acceptance of the agreements in force (``agreements``)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.config import Settings
from finplat.core import crypto
from finplat.core.db import Database
from finplat.core.errors import Conflict, field_error
from finplat.identity import agreements, credentials, identifiers
from finplat.identity.contacts import _run_remembering, use_code
from finplat.identity.models import RegistrationCode
from finplat.identity.notifier import DevelopmentNotifier, Notifier
from finplat.identity.service import (
    EMAIL_PURPOSE,
    PHONE_PURPOSE,
    create_user,
    normalized,
    prepare_password,
)

# A new code for the same contact no sooner than this: one phone cannot be flooded with SMS.
RESEND_AFTER_SECONDS = 60


def _contact(phone: str | None, email: str | None) -> tuple[str, str, str]:
    """``(channel, normalized destination, blind index)`` of exactly one of phone or email."""
    phone = normalized(identifiers.normalize_phone, phone, "phone")
    email = normalized(identifiers.normalize_email, email, "email")
    if (phone is None) == (email is None):
        raise field_error(
            "phone", "give exactly one of phone or email", code="identity.login_required"
        )
    if phone is not None:
        return "phone", phone, crypto.blind_index(phone, purpose=PHONE_PURPOSE)
    assert email is not None
    return "email", email, crypto.blind_index(email, purpose=EMAIL_PURPOSE)


def _digest(index: str, code: str) -> str:
    return credentials.token_digest(f"registration:{index}:{code}")


async def send_code(db: Database, *, phone: str | None, email: str | None, now: datetime,
                    settings: Settings, notifier: Notifier) -> str | None:
    """Send a registration code to the phone (SMS) or email; it replaces an earlier one.
    Returns the code itself only in development with the development notifier (no SMS or mail
    leaves the machine, so the person trying the app is shown it), else None.
    Raises ``InvalidInput`` and ``Conflict('identity.code_sent_recently')`` (with
    ``retry_after_seconds``) within a minute of the last code to the same contact."""
    channel, destination, index = _contact(phone, email)

    async def work(session: AsyncSession) -> str:
        last = await session.scalar(
            select(RegistrationCode.created_at).where(RegistrationCode.destination_index == index)
            .order_by(RegistrationCode.id.desc()).limit(1))
        if last is not None and now < last + timedelta(seconds=RESEND_AFTER_SECONDS):
            wait = int((last + timedelta(seconds=RESEND_AFTER_SECONDS) - now).total_seconds())
            raise Conflict("identity.code_sent_recently", "a code was just sent; wait a minute",
                           extra={"retry_after_seconds": max(wait, 1)})
        await session.execute(
            update(RegistrationCode)
            .where(RegistrationCode.destination_index == index,
                   RegistrationCode.consumed_at.is_(None))
            .values(consumed_at=now))
        code = f"{secrets.randbelow(10**6):06d}"
        session.add(RegistrationCode(
            channel=channel, destination_index=index, code_hash=_digest(index, code), attempts=0,
            created_at=now, expires_at=now + timedelta(seconds=settings.otp_ttl_seconds)))
        return code

    code = await db.run(work)
    await notifier.send_code(channel=channel, destination=destination, code=code,
                             purpose="register")
    shown = settings.is_development and isinstance(notifier, DevelopmentNotifier)
    return code if shown else None


async def _consume(session: AsyncSession, *, index: str, code: str, now: datetime) -> None:
    """Use the live code of a contact; raises ``InvalidInput('identity.code_invalid')`` (a wrong
    guess is counted even though the registration fails: ``_Remembered``)."""
    row = await session.scalar(
        select(RegistrationCode)
        .where(RegistrationCode.destination_index == index,
               RegistrationCode.consumed_at.is_(None))
        .order_by(RegistrationCode.id.desc()).limit(1).with_for_update())
    use_code(row, digest=_digest(index, code), now=now)


async def register(
    db: Database,
    *,
    phone: str | None,
    email: str | None,
    password: str,
    code: str,
    accepted: dict[str, int],
    language: str,
    now: datetime,
) -> int:
    """Open an investor account whose phone or email is proven by ``code`` (``send_code``) and
    who accepts the agreements in force (``accepted``: kind -> version, shown in
    ``language``); the contact is confirmed and the consents stored with their time.

    Raises ``InvalidInput`` (contact, weak password, ``identity.code_invalid``,
    ``identity.consent_required``), ``Conflict('identity.agreement_outdated')`` and
    ``Conflict('identity.login_taken')``.
    """
    channel, destination, index = _contact(phone, email)
    agreements.check_accepted(accepted)
    phone, email = (destination, None) if channel == "phone" else (None, destination)
    password_hash = await prepare_password(password, phone=phone, email=email)

    async def work(session: AsyncSession) -> int:
        await _consume(session, index=index, code=code, now=now)
        user, _ = await create_user(session, now=now, password_hash=password_hash, phone=phone,
                                    email=email, contacts_confirmed=True)
        await agreements.record_consents(session, user_id=user.id, accepted=accepted,
                                         language=language, now=now)
        await audit_service.record(
            session, action="identity.agreements_accepted", target_type="user",
            target_id=user.id, now=now, actor_id=user.id,
            summary={"versions": dict(sorted(accepted.items())), "language": language})
        return user.id

    user_id = await _run_remembering(db, work)
    assert user_id is not None
    return user_id
