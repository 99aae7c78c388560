"""Administration: institutions, staff and roles, freezing accounts, audited unmasked reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.db import Database
from finplat.core.errors import Conflict, Forbidden, NotFound, field_error
from finplat.core.masking import mask_email, mask_id_number, mask_name, mask_phone
from finplat.core.pagination import Page, PageParams, page_of
from finplat.events import service as events_service
from finplat.identity import credentials, identifiers
from finplat.identity import service as identity_service
from finplat.identity.events import RolesChanged, UserFrozen, UserUnfrozen
from finplat.identity.models import (
    ALL_ROLES,
    STAFF_ROLES,
    USER_ACTIVE,
    USER_FROZEN,
    BankCard,
    Institution,
    User,
    UserRole,
)
from finplat.identity.queries import current_risk_level, roles_of

MAX_REASON_LENGTH = 500


async def create_institution(
    db: Database, *, name: str, uscc: str, now: datetime, actor_id: int | None
) -> dict[str, Any]:
    """Register an institution; returns its view (``id`` ...). The USCC format is a hard rule;
    a checksum failure only flags the record for a registry check. Raises ``InvalidInput`` and
    ``Conflict('identity.institution_exists')``."""
    if not name.strip() or len(name) > 128:
        raise field_error("name", "must be 1 to 128 characters")
    try:
        code, checksum_ok = identifiers.parse_uscc(uscc)
    except identifiers.IdentifierError as error:
        raise field_error("uscc", str(error), code="identity.invalid_uscc") from None

    async def work(session: AsyncSession) -> dict[str, Any]:
        institution = Institution(
            name=name.strip(),
            uscc=code,
            needs_registry_verification=not checksum_ok,
            created_at=now,
        )
        session.add(institution)
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:
            raise Conflict(
                "identity.institution_exists", "an institution with this USCC exists"
            ) from None
        await audit_service.record(
            session,
            action="identity.institution_created",
            target_type="institution",
            target_id=institution.id,
            now=now,
            actor_id=actor_id,
            summary={"uscc": code, "needs_registry_verification": not checksum_ok},
        )
        return institution_view(institution)

    return await db.run(work)


def institution_view(institution: Institution) -> dict[str, Any]:
    return {
        "id": institution.id,
        "name": institution.name,
        "uscc": institution.uscc,
        "needs_registry_verification": institution.needs_registry_verification,
        "created_at": institution.created_at.isoformat(),
    }


async def _institution_exists(session: AsyncSession, institution_id: int | None) -> None:
    if institution_id is not None and await session.get(Institution, institution_id) is None:
        raise field_error("institution_id", "no such institution")


async def create_account(
    db: Database,
    *,
    username: str | None,
    phone: str | None,
    email: str | None,
    password: str,
    roles: Iterable[str],
    institution_id: int | None,
    now: datetime,
    actor_id: int | None,
) -> tuple[int, str | None]:
    """Create a staff or test account with confirmed contacts: ``(user_id, totp_secret)``.

    Raises ``InvalidInput`` and ``Conflict('identity.login_taken')``.
    """
    wanted = frozenset(roles)
    if "institution" in wanted and institution_id is None:
        raise field_error("institution_id", "an institution user needs an institution")
    password_hash = await identity_service.prepare_password(
        password, phone=phone, email=email, username=username
    )

    async def work(session: AsyncSession) -> tuple[int, str | None]:
        await _institution_exists(session, institution_id)
        user, secret = await identity_service.create_user(
            session,
            now=now,
            password_hash=password_hash,
            phone=phone,
            email=email,
            username=username,
            roles=wanted,
            institution_id=institution_id,
            contacts_confirmed=True,
            actor_id=actor_id,
        )
        return user.id, secret

    return await db.run(work)



async def create_account_for_login(
    db: Database,
    *,
    login: str,
    password: str,
    roles: Iterable[str],
    institution_id: int | None,
    now: datetime,
    actor_id: int | None,
) -> dict[str, Any]:
    """``create_account`` for a login that is a user name, a mobile number or an email:
    ``{"user_id", "totp_secret"}``. Raises as ``create_account``."""
    key = identity_service.parse_login(login)
    user_id, secret = await create_account(
        db,
        username=key.value if key.kind == "username" else None,
        phone=key.value if key.kind == "phone" else None,
        email=key.value if key.kind == "email" else None,
        password=password,
        roles=roles,
        institution_id=institution_id,
        now=now,
        actor_id=actor_id,
    )
    return {"user_id": user_id, "totp_secret": secret}

async def _user(session: AsyncSession, user_id: int, *, lock: bool = False) -> User:
    statement = select(User).where(User.id == user_id)
    user = await session.scalar(statement.with_for_update() if lock else statement)
    if user is None:
        raise NotFound("identity.user_not_found", "no such user")
    return user


async def set_roles(
    db: Database,
    *,
    user_id: int,
    roles: Iterable[str],
    institution_id: int | None,
    now: datetime,
    actor_id: int,
) -> dict[str, Any]:
    """Replace a user's roles. A staff role needs TOTP, so a secret is made when first needed
    (returned once as ``totp_secret``). Admins cannot remove their own admin role.

    Raises ``InvalidInput``, ``NotFound`` and ``Forbidden('identity.self_demotion')``.
    """
    wanted = identity_service.check_roles(roles)
    if user_id == actor_id and "admin" not in wanted:
        raise Forbidden("identity.self_demotion", "you cannot remove your own admin role")

    async def work(session: AsyncSession) -> dict[str, Any]:
        user = await _user(session, user_id, lock=True)
        await _institution_exists(session, institution_id)
        if institution_id is not None:
            user.institution_id = institution_id
        if "institution" in wanted and user.institution_id is None:
            raise field_error("institution_id", "an institution user needs an institution")
        before = await roles_of(session, user_id)
        await session.execute(
            delete(UserRole).where(UserRole.user_id == user_id, UserRole.role.not_in(wanted))
        )
        for role in sorted(wanted - before):
            session.add(UserRole(user_id=user_id, role=role, granted_at=now))
        new_secret = None
        if wanted & STAFF_ROLES and user.totp_secret is None:
            new_secret = user.totp_secret = credentials.new_totp_secret()
        user.updated_at = now
        # Role changes take effect on the next request; sessions need not end.
        await session.flush()
        await events_service.record(
            session,
            RolesChanged(user_id=user_id, before=sorted(before), after=sorted(wanted)),
            target_type="user",
            target_id=user_id,
            now=now,
            actor_id=actor_id,
        )
        return {"user_id": user_id, "roles": sorted(wanted), "totp_secret": new_secret}

    return await db.run(work)


async def set_status(
    db: Database, *, user_id: int, status: str, reason: str, now: datetime, actor_id: int
) -> None:
    """Freeze or unfreeze an account; freezing ends its sessions. Raises ``InvalidInput``,
    ``NotFound`` and ``Forbidden('identity.self_freeze')``."""
    if status not in (USER_ACTIVE, USER_FROZEN):
        raise field_error("status", "must be active or frozen")
    if user_id == actor_id:
        raise Forbidden("identity.self_freeze", "you cannot change your own status")

    async def work(session: AsyncSession) -> None:
        user = await _user(session, user_id, lock=True)
        before, user.status, user.updated_at = user.status, status, now
        if status == USER_FROZEN:
            await identity_service.revoke_all_sessions(session, user_id=user_id, now=now)
        event = UserFrozen(user_id=user_id) if status == USER_FROZEN else UserUnfrozen(
            user_id=user_id)
        await events_service.record(
            session,
            event,
            target_type="user",
            target_id=user_id,
            now=now,
            actor_id=actor_id,
            summary={"before": before, "reason": reason[:MAX_REASON_LENGTH]},
        )

    await db.run(work)


async def user_view(session: AsyncSession, user: User, *, now: datetime) -> dict[str, Any]:
    """The masked view of a user (``GET /me`` and the staff console)."""
    return {
        "user_id": user.id,
        "status": user.status,
        "username": user.username,
        "phone": mask_phone(user.phone),
        "email": mask_email(user.email),
        "phone_confirmed": user.phone_confirmed_at is not None,
        "email_confirmed": user.email_confirmed_at is not None,
        "roles": sorted(await roles_of(session, user.id)),
        "kyc_status": user.kyc_status,
        "real_name": mask_name(user.real_name),
        "id_number": mask_id_number(user.id_number),
        "risk_level": current_risk_level(user, now=now),
        "risk_level_expires_at": (
            user.risk_level_expires_at.isoformat() if user.risk_level_expires_at else None
        ),
        "institution_id": user.institution_id,
        "created_at": user.created_at.isoformat(),
    }


async def get_user(db: Database, *, user_id: int, now: datetime) -> dict[str, Any]:
    """The masked view. Raises ``NotFound('identity.user_not_found')``."""
    async with db.transaction(readonly=True) as session:
        return await user_view(session, await _user(session, user_id), now=now)


async def list_users(
    db: Database, *, page: PageParams, role: str | None, now: datetime,
    staff: bool = False, institution_id: int | None = None,
) -> Page[dict[str, Any]]:
    """Masked users by ascending id, of a role, of any staff role (``staff``) and/or of an
    institution; a role no user can hold matches nobody. Raises ``InvalidInput`` (bad cursor)."""
    if role is not None and role not in ALL_ROLES:
        role = "-"  # matches nobody rather than failing a filter
    roles = [role] if role is not None else sorted(STAFF_ROLES) if staff else None
    async with db.transaction(readonly=True) as session:
        statement = select(User).order_by(User.id).limit(page.fetch_limit)
        if page.last_id is not None:
            statement = statement.where(User.id > page.last_id)
        if roles is not None:
            statement = statement.where(
                User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles)))
            )
        if institution_id is not None:
            statement = statement.where(User.institution_id == institution_id)
        result = page_of(list(await session.scalars(statement)), page)
        result.items = [await user_view(session, user, now=now) for user in result.items]
    return result


async def view_personal_data(
    db: Database, *, user_id: int, reason: str, now: datetime, actor_id: int
) -> dict[str, Any]:
    """The unmasked personal data of a user, for staff with the permission. Every read is
    audited with its reason (``identity.pii_viewed``) in the same transaction as the read.

    Raises ``InvalidInput`` (no reason) and ``NotFound``.
    """
    if len(reason.strip()) < 5:
        raise field_error("reason", "state why you need to see this (at least 5 characters)")

    async def work(session: AsyncSession) -> dict[str, Any]:
        user = await _user(session, user_id)
        cards = await session.scalars(
            select(BankCard).where(BankCard.user_id == user_id).order_by(BankCard.id)
        )
        await audit_service.record(
            session,
            action="identity.pii_viewed",
            target_type="user",
            target_id=user_id,
            now=now,
            actor_id=actor_id,
            summary={"reason": reason.strip()[:MAX_REASON_LENGTH]},
        )
        return {
            "user_id": user.id,
            "phone": user.phone,
            "email": user.email,
            "real_name": user.real_name,
            "id_number": user.id_number,
            "bank_cards": [
                {
                    "id": card.id,
                    "card_number": card.card_number,
                    "bank_name": card.bank_name,
                    "status": card.status,
                }
                for card in cards
            ],
        }

    return await db.run(work)


async def get_institution(db: Database, *, institution_id: int) -> dict[str, Any]:
    """Raises ``NotFound('identity.institution_not_found')``."""
    async with db.transaction(readonly=True) as session:
        institution = await session.get(Institution, institution_id)
        if institution is None:
            raise NotFound("identity.institution_not_found", "no such institution")
        return institution_view(institution)
