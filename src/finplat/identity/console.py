"""The support console's reads and actions on one user: search through the blind indexes, bank
cards, sessions, TOTP reset; institutions and their users.

Searching by phone, email or ID number is a read of personal data (it answers "is this person
our customer?"), so each search is audited with the kind of key used, never the key itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pyotp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core import crypto
from finplat.core.clock import business_date
from finplat.core.db import Database
from finplat.core.errors import Conflict, NotFound, field_error
from finplat.core.pagination import Page, PageParams, page_of
from finplat.identity import credentials, identifiers
from finplat.identity import service as identity_service
from finplat.identity.admin import get_institution, institution_view, list_users, user_view
from finplat.identity.kyc import ID_NUMBER_PURPOSE
from finplat.identity.models import STAFF_ROLES, Institution, RefreshToken, User
from finplat.identity.queries import bank_cards, roles_of

MAX_QUERY_LENGTH = 254
TOTP_ISSUER = "finplat"
_USER_ID = re.compile(r"[0-9]{1,12}")
_ID_NUMBER = re.compile(r"[0-9]{15}|[0-9]{17}[0-9Xx]")


def classify_query(text: str, *, now: datetime) -> tuple[str, Any]:
    """What a search string is: ``("email"|"phone"|"id_number", blind index)``, ``("user_id",
    int)`` or ``("username", text)``. Raises ``InvalidInput`` for an empty or malformed key."""
    value = text.strip()
    if not value or len(value) > MAX_QUERY_LENGTH:
        raise field_error("q", f"give 1 to {MAX_QUERY_LENGTH} characters")
    try:
        if "@" in value:
            email = identifiers.normalize_email(value)
            return "email", crypto.blind_index(email, purpose=identity_service.EMAIL_PURPOSE)
        if _ID_NUMBER.fullmatch(value):
            number = identifiers.parse_resident_id(value, today=business_date(now)).number
            return "id_number", crypto.blind_index(number, purpose=ID_NUMBER_PURPOSE)
        if _USER_ID.fullmatch(value) and len(value) != 11:
            return "user_id", int(value)
        phone = identifiers.normalize_phone(value)
        return "phone", crypto.blind_index(phone, purpose=identity_service.PHONE_PURPOSE)
    except identifiers.IdentifierError as error:
        if _USER_ID.fullmatch(value):
            return "user_id", int(value)
        if "@" in value or _ID_NUMBER.fullmatch(value):
            raise field_error("q", str(error)) from None
        return "username", value


_COLUMNS = {"email": User.email_index, "phone": User.phone_index,
            "id_number": User.id_number_index, "user_id": User.id, "username": User.username}


async def search_users(
    db: Database, *, query: str, now: datetime, actor_id: int
) -> list[dict[str, Any]]:
    """The masked users matching a phone, email, ID number, user id or user name exactly (at most
    one: every key is unique). Audited (``identity.users_searched``, the key's kind only).
    Raises ``InvalidInput``."""
    kind, key = classify_query(query, now=now)

    async def work(session: AsyncSession) -> list[dict[str, Any]]:
        found = await session.scalar(select(User).where(_COLUMNS[kind] == key))
        await audit_service.record(
            session, action="identity.users_searched", target_type="user",
            target_id=found.id if found else None, now=now, actor_id=actor_id,
            summary={"by": kind, "found": found is not None})
        return [await user_view(session, found, now=now)] if found else []

    return await db.run(work)


async def _existing_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("identity.user_not_found", "no such user")
    return user


async def user_cards(db: Database, *, user_id: int) -> list[dict[str, Any]]:
    """The user's active bank cards, masked. Raises ``NotFound('identity.user_not_found')``."""
    async with db.transaction(readonly=True) as session:
        await _existing_user(session, user_id)
        return [{"id": card.id, "card_number_masked": card.card_number_masked,
                 "bank_name": card.bank_name, "created_at": card.created_at.isoformat()}
                for card in await bank_cards(session, user_id)]


async def user_sessions(db: Database, *, user_id: int, now: datetime) -> list[dict[str, Any]]:
    """The user's live sessions: one per refresh-token family whose current token is neither
    rotated, revoked nor expired, newest first. Raises ``NotFound``."""
    async with db.transaction(readonly=True) as session:
        await _existing_user(session, user_id)
        rows = await session.scalars(
            select(RefreshToken).where(
                RefreshToken.user_id == user_id, RefreshToken.rotated_at.is_(None),
                RefreshToken.revoked_at.is_(None), RefreshToken.expires_at > now)
            .order_by(RefreshToken.id.desc()).limit(100))
        return [{"id": row.id, "family": row.family_id[:8],
                 "refreshed_at": row.issued_at.isoformat(),
                 "expires_at": row.expires_at.isoformat()} for row in rows]


async def revoke_sessions(
    db: Database, *, user_id: int, reason: str, now: datetime, actor_id: int
) -> None:
    """End every session of the user (refresh tokens revoked, access tokens' epoch passed),
    audited with the reason. Raises ``NotFound``."""
    async def work(session: AsyncSession) -> None:
        await _existing_user(session, user_id)
        await identity_service.revoke_all_sessions(session, user_id=user_id, now=now)
        await audit_service.record(
            session, action="identity.sessions_revoked", target_type="user", target_id=user_id,
            now=now, actor_id=actor_id, summary={"reason": reason.strip()[:500]})

    await db.run(work)


def provisioning_uri(secret: str, *, label: str) -> str:
    """The ``otpauth://`` URI an authenticator app scans (as a QR code) to enrol."""
    return pyotp.TOTP(secret).provisioning_uri(name=label, issuer_name=TOTP_ISSUER)


async def _reset_totp(session: AsyncSession, user: User, *, now: datetime,
                      actor_id: int | None, reason: str) -> dict[str, Any]:
    if not await roles_of(session, user.id) & STAFF_ROLES:
        raise Conflict("identity.not_staff", "only staff accounts use TOTP")
    secret = credentials.new_totp_secret()
    user.totp_secret, user.totp_last_step, user.updated_at = secret, None, now
    # The old authenticator may be lost or copied: whoever holds it must log in again.
    await identity_service.revoke_all_sessions(session, user_id=user.id, now=now)
    await audit_service.record(
        session, action="identity.totp_reset", target_type="user", target_id=user.id, now=now,
        actor_id=actor_id, summary={"reason": reason.strip()[:500]})
    label = user.username or f"user-{user.id}"
    return {"user_id": user.id, "totp_secret": secret,
            "provisioning_uri": provisioning_uri(secret, label=label)}


async def reset_totp(
    db: Database, *, user_id: int, reason: str, now: datetime, actor_id: int | None
) -> dict[str, Any]:
    """A new TOTP secret for a staff user, returned once; the old one stops working and the
    user's sessions end. Audited. Raises ``NotFound`` and ``Conflict('identity.not_staff')``."""
    async def work(session: AsyncSession) -> dict[str, Any]:
        user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
        if user is None:
            raise NotFound("identity.user_not_found", "no such user")
        return await _reset_totp(session, user, now=now, actor_id=actor_id, reason=reason)

    return await db.run(work)


async def reset_totp_for_login(
    db: Database, *, login: str, reason: str, now: datetime
) -> dict[str, Any]:
    """``reset_totp`` by login (the command line, where no staff user acts). Raises as it."""
    async def work(session: AsyncSession) -> dict[str, Any]:
        user = await identity_service.find_by_login(session, login, for_update=True)
        if user is None:
            raise NotFound("identity.user_not_found", "no such user")
        return await _reset_totp(session, user, now=now, actor_id=None, reason=reason)

    return await db.run(work)


async def list_institutions(db: Database, *, page: PageParams) -> Page[dict[str, Any]]:
    """Institutions by ascending id. Raises ``InvalidInput`` (bad cursor)."""
    async with db.transaction(readonly=True) as session:
        statement = select(Institution).order_by(Institution.id).limit(page.fetch_limit)
        if page.last_id is not None:
            statement = statement.where(Institution.id > page.last_id)
        return page_of(list(await session.scalars(statement)), page, item=institution_view)


async def institution_users(
    db: Database, *, institution_id: int, page: PageParams, now: datetime
) -> Page[dict[str, Any]]:
    """The institution's users, masked. Raises ``NotFound('identity.institution_not_found')``."""
    await get_institution(db, institution_id=institution_id)
    return await list_users(db, page=page, role=None, now=now, institution_id=institution_id)
