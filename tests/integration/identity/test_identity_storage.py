"""Personal data at rest, the read helpers other packages use, the CLI and the demo seed."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from finplat.config import Settings, get_settings
from finplat.core import crypto
from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.core.errors import InvalidInput, NotFound
from finplat.identity import queries
from finplat.identity import service as identity_service
from tests import factories
from tests.conftest import TEST_NOW

PHONE = "13912340000"
NAME = "司马相如"
ID_NUMBER = "11010519491231002X"


def _sqlite_files(url: str) -> list[Path]:
    path = Path(url.split(":///", 1)[1])
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


async def test_personal_data_is_never_stored_in_plaintext(
    db: Database, clock: FrozenClock, settings: Settings
) -> None:
    card = factories.unique_bank_card()
    user_id = await factories.make_user(
        db,
        now=clock.now(),
        phone=PHONE,
        email="sima@example.com",
        real_name=NAME,
        id_number=ID_NUMBER,
        bank_card_number=card,
    )
    dumps = []
    async with db.transaction(readonly=True) as session:
        for table in (
            "identity_user",
            "identity_bank_card",
            "identity_one_time_code",
            "audit_record",
            "events_outbox",
        ):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
            dumps.append(repr(rows))
    raw = "\n".join(dumps)
    for secret in (PHONE, NAME, ID_NUMBER, card, "sima@example.com"):
        assert secret not in raw, f"{secret} in plaintext"
    assert crypto.blind_index(ID_NUMBER, purpose="identity.id_number") in raw
    if settings.database_url.startswith("sqlite"):
        file_bytes = b"".join(p.read_bytes() for p in _sqlite_files(settings.database_url))
        for secret in (PHONE, NAME, ID_NUMBER, card):
            assert secret.encode() not in file_bytes
        assert NAME.encode("utf-8") not in file_bytes
    async with db.transaction(readonly=True) as session:
        cards = await queries.bank_cards(session, user_id)
    assert cards[0].card_number == card  # decrypted for the payment channel only


async def test_bank_card_queries(db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    card = factories.unique_bank_card()
    owner = await factories.make_user(db, now=now, bank_card_number=card)
    other = await factories.make_user(db, now=now)
    async with db.transaction(readonly=True) as session:
        [view] = await queries.bank_cards(session, owner)
        assert (await queries.get_bank_card(session, owner, view.id)).card_number == card
        with pytest.raises(NotFound):
            await queries.get_bank_card(session, other, view.id)
        assert await queries.bank_cards(session, other) == []


async def test_risk_level_is_set_and_expires(db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    user_id = await factories.make_user(db, now=now)

    async def work(session):  # type: ignore[no-untyped-def]
        await identity_service.set_risk_level(
            session, user_id=user_id, risk_level="C3", expires_at=now + timedelta(days=365), now=now
        )

    await db.run(work)
    async with db.transaction(readonly=True) as session:
        assert (await queries.user_summary(session, user_id, now=now)).risk_level == "C3"
        later = now + timedelta(days=366)
        assert (await queries.user_summary(session, user_id, now=later)).risk_level is None

    async def bad(session):  # type: ignore[no-untyped-def]
        await identity_service.set_risk_level(
            session, user_id=user_id, risk_level="C9", expires_at=now, now=now
        )

    with pytest.raises(InvalidInput):
        await db.run(bad)


async def test_cli_create_user(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from finplat.cli import app

    monkeypatch.setenv("FINPLAT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FINPLAT_ENVIRONMENT", "test")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        staff = await asyncio.to_thread(
            runner.invoke,
            app,
            [
                "admin",
                "create-user",
                "--login",
                "ops-admin",
                "--password",
                "Admin-pass-2026",
                "--role",
                "admin",
                "--json",
            ],
        )
        assert staff.exit_code == 0, staff.output
        created = json.loads(staff.stdout)
        assert isinstance(created["user_id"], int) and len(created["totp_secret"]) >= 16
        investor = await asyncio.to_thread(
            runner.invoke,
            app,
            [
                "admin",
                "create-user",
                "--login",
                "13900000201",
                "--password",
                "Invest-pass-2026",
                "--role",
                "investor",
                "--json",
            ],
        )
        assert investor.exit_code == 0, investor.output
        assert json.loads(investor.stdout)["totp_secret"] is None
        weak = await asyncio.to_thread(
            runner.invoke,
            app,
            ["admin", "create-user", "--login", "weak", "--password", "short", "--role", "admin"],
        )
        assert weak.exit_code == 1
    finally:
        get_settings.cache_clear()
    async with db.transaction(readonly=True) as session:
        summary = await queries.user_summary(
            session, json.loads(investor.stdout)["user_id"], now=TEST_NOW
        )
    assert summary.kyc_verified and summary.roles == frozenset({"investor"})
    async with db.transaction(readonly=True) as session:
        # ... with a bank card in the test name, so that the test customer can withdraw.
        [card] = await queries.bank_cards(session, json.loads(investor.stdout)["user_id"])
    assert card.card_number.startswith("622202") and not card.card_number.endswith("0000")


async def test_demo_seed_records_logins(db: Database, clock: FrozenClock) -> None:
    from finplat.demo import DemoContext
    from finplat.identity import demo

    ctx = DemoContext(db=db, clock=clock)
    await demo.seed(ctx)
    roles = {info["role"] for info in ctx.logins.values()}
    assert {
        "investor",
        "borrower",
        "institution",
        "admin",
        "reviewer",
        "risk_officer",
        "support",
        "auditor",
    } <= roles
    for info in ctx.logins.values():
        assert (info["totp_secret"] is not None) == (
            info["role"] not in ("investor", "borrower", "institution")
        )
    async with db.transaction(readonly=True) as session:
        assert await queries.any_user_exists(session)
        investor = ctx.logins["13800000001"]["user_id"]
        assert len(await queries.bank_cards(session, investor)) == 1
