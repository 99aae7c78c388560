"""Demo data for a new installation: each package seeds its part, in dependency order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from finplat.config import get_settings
from finplat.core import crypto
from finplat.core.clock import Clock, SystemClock
from finplat.core.db import Database
from finplat.modules import optional_module

# A package's ``demo`` module exposes ``async def seed(ctx: DemoContext) -> None``.
SEED_ORDER = ("identity", "payment", "product", "investment", "marketing", "lending")


@dataclass
class DemoContext:
    db: Database
    clock: Clock
    # login -> {"password", "role", "totp_secret"?, "user_id"}: filled by the identity seed
    logins: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


async def run(
    *, console: Console, if_empty: bool, db: Database | None = None, clock: Clock | None = None
) -> DemoContext | None:
    settings = get_settings()
    crypto.configure(
        crypto.KeyRing.parse(settings.data_keys, settings.data_key_active, settings.blind_index_key)
    )
    from finplat.main import build_database

    database = db or build_database(settings)
    ctx = DemoContext(db=database, clock=clock or SystemClock())
    try:
        if await _has_users(database):
            if if_empty:
                console.print(
                    "demo data already loaded; log in with the accounts printed on first start"
                )
                return None
        for package in SEED_ORDER:
            module = optional_module(f"finplat.{package}.demo")
            if module is None:
                continue
            await module.seed(ctx)
            # What a seed recorded has its consequences before the next seed relies on them
            # (verification opens wallets), and the demo users find their inboxes filled.
            await _deliver_events(database, ctx.clock)
    finally:
        if db is None:
            await database.dispose()
    _print(console, ctx)
    return ctx


async def _deliver_events(db: Database, clock: Clock) -> None:
    from finplat import runtime
    from finplat.events import dispatcher

    runtime.load_package_modules()
    while (await dispatcher.dispatch_pending(db, now=clock.now())).events:
        pass


async def _has_users(db: Database) -> bool:
    try:
        from finplat.identity import queries
    except ModuleNotFoundError:
        return False
    async with db.transaction(readonly=True) as session:
        return await queries.any_user_exists(session)


def _print(console: Console, ctx: DemoContext) -> None:
    table = Table(title="finplat demo logins")
    for column in ("login", "password", "role"):
        table.add_column(column, overflow="fold")
    for login, info in ctx.logins.items():
        table.add_row(login, info["password"], info["role"])
    console.print(table)
    # Secrets on lines of their own, never wrapped, so they can be copied into an authenticator.
    staff = [
        (login, info["totp_secret"])
        for login, info in ctx.logins.items()
        if info.get("totp_secret")
    ]
    if staff:
        console.print(
            "Staff sign in with a TOTP code (RFC 6238, 30 s, 6 digits) from these secrets:"
        )
        for login, secret in staff:
            console.print(f"  {login}  {secret}", soft_wrap=True, highlight=False)
    for note in ctx.notes:
        console.print(note)
