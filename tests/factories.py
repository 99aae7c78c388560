"""Helpers every package's tests use to make users, institutions and credentials quickly."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.events import dispatcher
from finplat.identity import admin, credentials, identifiers, kyc
from finplat.identity import service as identity_service
from finplat.modules import optional_module
from finplat.schema import MODEL_PACKAGES

DEFAULT_PASSWORD = "Secret-pass-123"
VALID_ID_NUMBERS = ("11010519491231002X", "440524198001010013")
_sequence = itertools.count(1)
# Hashing is deliberately slow; tests reuse one hash per password (salts differ in production).
_hashes: dict[str, str] = {}


async def _password_hash(password: str) -> str:
    if password not in _hashes:
        _hashes[password] = await identity_service.prepare_password(password)
    return _hashes[password]


def unique_phone() -> str:
    return f"139{next(_sequence) % 10**8:08d}"


def unique_id_number(*, birth: date = date(1985, 6, 15)) -> str:
    """A GB 11643-valid ID number, different on every call (sequence codes avoid 999, which the
    simulated provider refuses)."""
    number = next(_sequence)
    return identifiers.make_resident_id(
        "110105", birth.replace(year=birth.year + number // 998 % 20), number % 998
    )


def unique_bank_card(prefix: str = "622202") -> str:
    """A Luhn-valid 19-digit card number (never ending in 0000, which the simulated provider
    refuses)."""
    while True:
        partial = f"{prefix}{next(_sequence):012d}"
        card = partial + identifiers.luhn_check_digit(partial)
        if not card.endswith("0000"):
            return card


async def make_user(
    db: Database,
    *,
    now: datetime,
    roles: tuple[str, ...] = ("investor",),
    verified: bool = True,
    phone: str | None = None,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    institution_id: int | None = None,
    real_name: str = "张三",
    id_number: str | None = None,
    bank_card_number: str | None = None,
    username: str | None = None,
    with_bank_card: bool = False,
    contacts_confirmed: bool = True,
) -> int:
    """A user with confirmed contacts; ``verified`` runs real-name verification (binding
    ``bank_card_number``, or a made-up card with ``with_bank_card``: a withdrawal needs one) and
    delivers its event (which opens the fund account). Without phone/email/username a unique
    phone is made up."""
    if with_bank_card and bank_card_number is None:
        bank_card_number = unique_bank_card()
    if phone is None and email is None and username is None:
        phone = unique_phone()
    password_hash = await _password_hash(password)

    async def work(session: AsyncSession) -> int:
        user, _ = await identity_service.create_user(
            session,
            now=now,
            password_hash=password_hash,
            phone=phone,
            email=email,
            username=username,
            roles=roles,
            institution_id=institution_id,
            contacts_confirmed=contacts_confirmed,
        )
        return user.id

    user_id = await db.run(work)
    if verified:
        await kyc.verify(
            db,
            user_id=user_id,
            real_name=real_name,
            id_number=id_number or unique_id_number(),
            bank_card_number=bank_card_number,
            bank_reserved_phone=None,
            now=now,
            minimum_age_years=18,
            provider=kyc.SimulatedIdentityProvider(),
        )
        # Delivered as after any commit (the wallet opens with the verification itself).
        await deliver_events(db, now=now)
    return user_id


async def deliver_events(db: Database, *, now: datetime) -> None:
    """Run every package's event handlers on every due event, as the worker does."""
    for package in MODEL_PACKAGES:
        optional_module(f"finplat.{package}.handlers")
    while (await dispatcher.dispatch_pending(db, now=now)).events:
        pass


async def make_staff(
    db: Database, *, now: datetime, role: str, password: str = DEFAULT_PASSWORD
) -> tuple[int, str, str, str]:
    """A staff account: ``(user_id, login, password, totp_secret)``."""
    login = f"{role.replace('_', '-')}-{next(_sequence)}"
    password_hash = await _password_hash(password)

    async def work(session: AsyncSession) -> tuple[int, str | None]:
        user, secret = await identity_service.create_user(
            session,
            now=now,
            password_hash=password_hash,
            username=login,
            roles=(role,),
            contacts_confirmed=True,
        )
        return user.id, secret

    user_id, secret = await db.run(work)
    assert secret is not None, f"{role} is not a staff role"
    return user_id, login, password, secret


async def make_institution(
    db: Database, *, now: datetime, name: str = "示例理财有限公司", uscc: str = "91350100M000100Y43"
) -> int:
    institution = await admin.create_institution(db, name=name, uscc=uscc, now=now, actor_id=None)
    return int(institution["id"])


def totp_for(secret: str, now: datetime) -> str:
    return credentials.totp_code(secret, now=now)


async def login_headers(
    client: httpx.AsyncClient, login: str, password: str, totp_code: str | None = None
) -> dict[str, str]:
    body: dict[str, Any] = {"login": login, "password": password}
    if totp_code is not None:
        body["totp_code"] = totp_code
    response = await client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def bearer_for(app: Any, user_id: int, *, session_epoch: int = 0) -> dict[str, str]:
    """A valid access token for ``user_id``, minted without HTTP (fast)."""
    settings = app.state.settings
    token = credentials.issue_access_token(
        secret_key=settings.secret_key,
        user_id=user_id,
        session_epoch=session_epoch,
        now=app.state.clock.now(),
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    return {"Authorization": f"Bearer {token}"}


async def register(
    client: httpx.AsyncClient, app: Any, *, password: str = DEFAULT_PASSWORD,
    phone: str | None = None, email: str | None = None, **extra: Any,
) -> httpx.Response:
    """``POST /auth/register`` as a person does it: a code sent to the contact first, read from
    the development notifier, and the agreements in force accepted."""
    from finplat.identity import agreements
    from finplat.identity.notifier import notifier_for

    contact = {key: value for key, value in (("phone", phone), ("email", email)) if value}
    sent = await client.post("/api/v1/auth/register/code", json=contact)
    assert sent.status_code == 202, sent.text
    destination = (identifiers.normalize_phone(phone) if phone and phone.strip()
                   else identifiers.normalize_email(email or ""))
    code = notifier_for(app).last_code(destination)  # type: ignore[attr-defined]
    body = {**contact, "password": password, "code": code,
            "agreements": dict(agreements.CURRENT), **extra}
    return await client.post("/api/v1/auth/register", json=body)
