"""``finplat admin ...``: account administration from the command line."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from finplat.core.errors import DomainError

app = typer.Typer(help="Administer accounts: staff, test users and roles.", no_args_is_help=True)


async def _create_user(
    login: str, password: str, roles: list[str], institution_id: int | None
) -> tuple[int, str | None]:
    from finplat.config import get_settings
    from finplat.core import crypto
    from finplat.core.clock import SystemClock
    from finplat.identity import admin, kyc
    from finplat.identity import service as identity_service
    from finplat.identity.models import CUSTOMER_ROLES
    from finplat.main import build_database

    settings = get_settings()
    crypto.configure(
        crypto.KeyRing.parse(settings.data_keys, settings.data_key_active, settings.blind_index_key)
    )
    db = build_database(settings)
    now = SystemClock().now()
    try:
        key = identity_service.parse_login(login)
        user_id, secret = await admin.create_account(
            db,
            username=key.value if key.kind == "username" else None,
            phone=key.value if key.kind == "phone" else None,
            email=key.value if key.kind == "email" else None,
            password=password,
            roles=roles,
            institution_id=institution_id,
            now=now,
            actor_id=None,
        )
        if set(roles) & CUSTOMER_ROLES:
            # A test customer is created verified, with a made-up but valid identity and a
            # bank card in that name (withdrawals pay out only to one).
            await kyc.verify(
                db,
                user_id=user_id,
                real_name="测试用户",
                id_number=_test_id_number(user_id),
                bank_card_number=_test_bank_card(user_id),
                bank_reserved_phone=None,
                now=now,
                minimum_age_years=settings.minimum_age_years,
                provider=kyc.SimulatedIdentityProvider(),
            )
        return user_id, secret
    finally:
        await db.dispose()


def _test_id_number(user_id: int) -> str:
    from datetime import date, timedelta

    from finplat.identity import identifiers

    # Address code 990000 belongs to no province: obviously a test identity.
    birth = date(1990, 1, 1) + timedelta(days=user_id // 999)
    return identifiers.make_resident_id("990000", birth, user_id % 999)


def _test_bank_card(user_id: int) -> str:
    from finplat.identity import identifiers

    # A Luhn-valid number; the simulated provider refuses cards ending in 0000, so the last
    # digits before the check digit are never zero.
    partial = f"622202{user_id:09d}999"
    return partial + identifiers.luhn_check_digit(partial)


@app.command("create-user")
def create_user(
    login: Annotated[str, typer.Option(help="User name, mobile number or email.")],
    password: Annotated[str, typer.Option(help="At least 8 characters of two kinds.")],
    role: Annotated[list[str], typer.Option(help="A role; repeat for several.")],
    institution_id: Annotated[int | None, typer.Option(help="For the institution role.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a verified staff or test account (staff get a TOTP secret, shown once)."""
    try:
        user_id, secret = asyncio.run(_create_user(login, password, role, institution_id))
    except DomainError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps({"user_id": user_id, "totp_secret": secret}))
        return
    typer.echo(f"created user {user_id} ({', '.join(role)})")
    if secret:
        typer.echo(f"TOTP secret (add to an authenticator app; shown once): {secret}")


async def _reset_totp(login: str, reason: str) -> dict[str, object]:
    from finplat.config import get_settings
    from finplat.core import crypto
    from finplat.core.clock import SystemClock
    from finplat.identity import console
    from finplat.main import build_database

    settings = get_settings()
    crypto.configure(
        crypto.KeyRing.parse(settings.data_keys, settings.data_key_active, settings.blind_index_key)
    )
    db = build_database(settings)
    try:
        return await console.reset_totp_for_login(db, login=login, reason=reason,
                                                  now=SystemClock().now())
    finally:
        await db.dispose()


@app.command("reset-totp")
def reset_totp(
    login: Annotated[str, typer.Option(help="The staff user's user name, mobile number or email.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = (
        "reset from the command line"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Give a staff user a new TOTP secret (shown once); the old one stops working and the
    user's sessions end. Audited."""
    try:
        result = asyncio.run(_reset_totp(login, reason))
    except DomainError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"new TOTP secret for user {result['user_id']} (shown once): "
               f"{result['totp_secret']}")
    typer.echo(f"enrol with: {result['provisioning_uri']}")
