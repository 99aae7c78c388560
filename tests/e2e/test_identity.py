"""Identity journeys over HTTP: register -> confirm -> login -> KYC -> profile, and the edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from finplat.audit.models import AuditRecord
from finplat.core.db import Database
from finplat.identity import identifiers
from finplat.identity.notifier import notifier_for
from finplat.ledger import service as ledger_service
from tests import factories

PASSWORD = "Secret-pass-123"


async def _register_and_login(client: httpx.AsyncClient, app: FastAPI,
                              phone: str) -> dict[str, str]:
    response = await factories.register(client, app, phone=phone, password=PASSWORD)
    assert response.status_code == 201, response.text
    assert isinstance(response.json()["user_id"], int)
    return await factories.login_headers(client, phone, PASSWORD)


async def test_register_login_kyc_profile(
    client: httpx.AsyncClient, app: FastAPI, db: Database, clock
) -> None:
    headers = await _register_and_login(client, app, "13912345678")
    profile = (await client.get("/api/v1/me", headers=headers)).json()
    assert profile["phone"] == "139****5678"
    assert profile["kyc_status"] == "unverified" and profile["risk_level"] is None
    assert profile["roles"] == ["investor"]

    card = factories.unique_bank_card()
    response = await client.post(
        "/api/v1/me/kyc",
        headers=headers,
        json={
            "real_name": "张三丰",
            "id_number": "11010519491231002X",
            "bank_card_number": card,
            "bank_reserved_phone": "13912345678",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kyc_status"] == "verified"
    assert body["real_name"] == "张**" and body["id_number"] == "1****************X"

    profile = (await client.get("/api/v1/me", headers=headers)).json()
    assert profile["kyc_status"] == "verified" and profile["id_number"] == "1****************X"
    cards = (await client.get("/api/v1/me/bank-cards", headers=headers)).json()["items"]
    assert cards[0]["card_number_masked"] == card[:6] + "*" * (len(card) - 10) + card[-4:]
    assert cards[0]["bank_name"] == "中国工商银行"
    assert card not in response.text + str(cards)

    # A verified user cannot change their identity.
    again = await client.post(
        "/api/v1/me/kyc",
        headers=headers,
        json={"real_name": "张三丰", "id_number": "440524198001010013"},
    )
    assert again.status_code == 409 and again.json()["code"] == "identity.kyc_already_verified"

    # The change was audited and published; the fund account opened with it.
    user_id = profile["user_id"]
    async with db.transaction(readonly=True) as session:
        assert await ledger_service.wallet_of(session, user_id) is not None
        actions = set(
            await session.scalars(
                select(AuditRecord.action).where(AuditRecord.target_id == str(user_id))
            )
        )
    assert {"identity.user_created", "identity.logged_in", "identity.kyc_verified"} <= actions


def _under_age_id(today: date) -> str:
    birth = today.replace(year=today.year - 18) + timedelta(days=1)
    return identifiers.make_resident_id("110105", birth, 12)


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "identity.invalid_id_number"),
        (
            {"id_number": identifiers.make_resident_id("110105", date(2030, 1, 1), 12)},
            "id_number",
            "identity.invalid_id_number",
        ),
        ({"id_number": _under_age_id(date(2026, 3, 2))}, "id_number", "identity.under_age"),
        (
            {"bank_card_number": "6222020000000000019"},
            "bank_card_number",
            "identity.invalid_bank_card",
        ),
        ({"real_name": "  "}, "real_name", "identity.invalid_real_name"),
        (
            {"id_number": identifiers.make_resident_id("110105", date(1980, 1, 1), 999)},
            "real_name",
            "identity.kyc_mismatch",
        ),
    ],
)
async def test_kyc_rejections_name_the_field(
    client: httpx.AsyncClient,
    app: FastAPI,
    db: Database,
    payload: dict[str, str],
    field: str,
    code: str,
) -> None:
    user_id = await factories.make_user(db, now=app.state.clock.now(), verified=False)
    adult = identifiers.make_resident_id("440524", date(1980, 1, 1), 1)
    body = {"real_name": "李四", "id_number": adult, **payload}
    response = await client.post(
        "/api/v1/me/kyc", headers=factories.bearer_for(app, user_id), json=body
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == code
    assert problem["errors"][0]["field"] == field
    profile = (await client.get("/api/v1/me", headers=factories.bearer_for(app, user_id))).json()
    assert profile["kyc_status"] == "unverified"


async def test_an_id_number_verifies_one_user_only(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    await factories.make_user(db, now=now, id_number="440524198001010013")
    other = await factories.make_user(db, now=now, verified=False)
    response = await client.post(
        "/api/v1/me/kyc",
        headers=factories.bearer_for(app, other),
        json={"real_name": "王五", "id_number": "440524198001010013"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "identity.id_number_taken"
    assert response.json()["errors"][0]["field"] == "id_number"


async def test_unauthenticated_and_bad_tokens(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}):
        response = await client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "auth.unauthenticated"
    # A token for a user that does not exist.
    response = await client.get("/api/v1/me", headers=factories.bearer_for(app, 987654))
    assert response.status_code == 401


async def test_invalid_registrations(client: httpx.AsyncClient, app: FastAPI,
                                     db: Database) -> None:
    consent = {"code": "123456", "agreements": {"user_agreement": 1, "privacy_policy": 1}}
    cases = [
        ({"phone": "12345", "password": PASSWORD}, "phone"),
        ({"email": "nope", "password": PASSWORD}, "email"),
        ({"phone": "13912345670", "password": "short"}, "password"),
        ({"phone": "13912345670", "password": "onlyletters"}, "password"),
        ({"password": PASSWORD}, "phone"),
        ({"phone": "13912345670", "email": "a@example.com", "password": PASSWORD}, "phone"),
    ]
    for body, field in cases:
        response = await client.post("/api/v1/auth/register", json={**body, **consent})
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == field
    first = await factories.register(client, app, email="li@example.com", password=PASSWORD)
    assert first.status_code == 201
    app.state.clock.advance(timedelta(minutes=1))
    duplicate = await factories.register(client, app, email="li@EXAMPLE.com", password=PASSWORD)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "identity.login_taken"


async def test_login_failures(client: httpx.AsyncClient, app: FastAPI, db: Database) -> None:
    await factories.make_user(db, now=app.state.clock.now(), phone="13900000001")
    wrong = await client.post(
        "/api/v1/auth/login", json={"login": "13900000001", "password": "Wrong-pass-1"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"login": "13900000009", "password": "Wrong-pass-1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "auth.invalid_credentials"


async def test_brute_force_locks_the_account(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    clock = app.state.clock
    await factories.make_user(db, now=clock.now(), phone="13900000002")
    bad = {"login": "13900000002", "password": "Wrong-pass-1"}
    statuses = [(await client.post("/api/v1/auth/login", json=bad)).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    good = {"login": "13900000002", "password": factories.DEFAULT_PASSWORD}
    locked = await client.post("/api/v1/auth/login", json=good)
    assert locked.status_code == 429 and locked.json()["code"] == "auth.account_locked"
    assert int(locked.headers["retry-after"]) == 15 * 60
    clock.advance(timedelta(minutes=15))
    assert (await client.post("/api/v1/auth/login", json=good)).status_code == 200


async def test_failures_outside_the_window_do_not_lock(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    clock = app.state.clock
    await factories.make_user(db, now=clock.now(), phone="13900000003")
    bad = {"login": "13900000003", "password": "Wrong-pass-1"}
    for _ in range(4):
        assert (await client.post("/api/v1/auth/login", json=bad)).status_code == 401
    clock.advance(timedelta(minutes=16))
    assert (await client.post("/api/v1/auth/login", json=bad)).status_code == 401
    good = {"login": "13900000003", "password": factories.DEFAULT_PASSWORD}
    assert (await client.post("/api/v1/auth/login", json=good)).status_code == 200


async def test_refresh_rotation_and_reuse_detection(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    await factories.make_user(db, now=app.state.clock.now(), phone="13900000004")
    login = await client.post(
        "/api/v1/auth/login", json={"login": "13900000004", "password": factories.DEFAULT_PASSWORD}
    )
    first = login.json()
    assert first["token_type"] == "bearer" and first["expires_in"] == 900
    second = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    third = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert third.status_code == 200
    # The rotated first token comes back: the whole family ends.
    reused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reused.status_code == 401 and reused.json()["code"] == "auth.refresh_token_reused"
    latest = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": third.json()["refresh_token"]}
    )
    assert latest.status_code == 401


async def test_logout_ends_the_refresh_token(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    await factories.make_user(db, now=app.state.clock.now(), phone="13900000005")
    pair = (
        await client.post(
            "/api/v1/auth/login",
            json={"login": "13900000005", "password": factories.DEFAULT_PASSWORD},
        )
    ).json()
    assert (
        await client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    ).status_code == 204
    refused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refused.status_code == 401


async def test_access_token_expires_on_the_clock(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    user_id = await factories.make_user(db, now=app.state.clock.now())
    headers = factories.bearer_for(app, user_id)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    app.state.clock.advance(timedelta(seconds=app.state.settings.access_token_ttl_seconds))
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_password_change_ends_other_sessions(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    await factories.make_user(db, now=app.state.clock.now(), phone="13900000006")
    login = {"login": "13900000006", "password": factories.DEFAULT_PASSWORD}
    old = (await client.post("/api/v1/auth/login", json=login)).json()
    headers = {"Authorization": f"Bearer {old['access_token']}"}
    wrong = await client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "Nope-nope-1", "new_password": "Another-pass-2"},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    changed = await client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": factories.DEFAULT_PASSWORD, "new_password": "Another-pass-2"},
    )
    assert changed.status_code == 200
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    ).status_code == 401
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await client.get("/api/v1/me", headers=fresh)).status_code == 200
    login["password"] = "Another-pass-2"
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200


async def test_registration_proves_the_contact_so_login_needs_no_confirmation(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"require_contact_otp": True})
    registered = await factories.register(client, app, email="wang@example.com",
                                          password=PASSWORD)
    assert registered.status_code == 201, registered.text
    login = {"login": "wang@example.com", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200


async def test_an_unconfirmed_contact_is_confirmed_with_a_code(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    """Accounts made without a proven contact (before registration required a code)."""
    app.state.settings = app.state.settings.model_copy(update={"require_contact_otp": True})
    await factories.make_user(db, now=app.state.clock.now(), email="wang@example.com",
                              password=PASSWORD, contacts_confirmed=False)
    login = {"login": "wang@example.com", "password": PASSWORD}
    refused = await client.post("/api/v1/auth/login", json=login)
    assert refused.status_code == 403 and refused.json()["code"] == "identity.contact_unconfirmed"
    resent = await client.post("/api/v1/auth/confirm/resend", json={"login": "wang@example.com"})
    assert resent.status_code == 202
    code = notifier_for(app).last_code("wang@example.com")  # type: ignore[attr-defined]
    assert code is not None
    wrong = await client.post(
        "/api/v1/auth/confirm",
        json={"login": "wang@example.com", "code": "000000" if code != "000000" else "111111"},
    )
    assert wrong.status_code == 422
    confirmed = await client.post(
        "/api/v1/auth/confirm", json={"login": "wang@example.com", "code": code}
    )
    assert confirmed.status_code == 204
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200


async def test_contact_not_required_by_default_in_test(
    client: httpx.AsyncClient, db: Database
) -> None:
    await factories.make_user(db, now=datetime.now(UTC), email="zhao@example.com",
                              password=PASSWORD, contacts_confirmed=False)
    response = await client.post(
        "/api/v1/auth/login", json={"login": "zhao@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200


async def test_change_phone_with_a_code(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    user_id = await factories.make_user(db, now=now, phone="13900000007")
    await factories.make_user(db, now=now, phone="13900000008")
    headers = factories.bearer_for(app, user_id)
    taken = await client.post("/api/v1/me/contact", headers=headers, json={"phone": "13900000008"})
    assert taken.status_code == 409
    requested = await client.post(
        "/api/v1/me/contact", headers=headers, json={"phone": "13700000007"}
    )
    assert requested.status_code == 202
    code = notifier_for(app).last_code("13700000007")  # type: ignore[attr-defined]
    confirmed = await client.post(
        "/api/v1/me/contact/confirm", headers=headers, json={"channel": "phone", "code": code}
    )
    assert confirmed.status_code == 200 and confirmed.json()["phone"] == "137****0007"
    assert (
        await client.post(
            "/api/v1/auth/login",
            json={"login": "13700000007", "password": factories.DEFAULT_PASSWORD},
        )
    ).status_code == 200
    assert (
        await client.post(
            "/api/v1/auth/login",
            json={"login": "13900000007", "password": factories.DEFAULT_PASSWORD},
        )
    ).status_code == 401


async def test_users_never_see_each_others_cards(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    owner = await factories.make_user(db, now=now, bank_card_number=factories.unique_bank_card())
    other = await factories.make_user(db, now=now)
    cards = (
        await client.get("/api/v1/me/bank-cards", headers=factories.bearer_for(app, owner))
    ).json()["items"]
    card_id = cards[0]["id"]
    mine = await client.get(
        f"/api/v1/me/bank-cards/{card_id}", headers=factories.bearer_for(app, owner)
    )
    assert mine.status_code == 200
    theirs = await client.get(
        f"/api/v1/me/bank-cards/{card_id}", headers=factories.bearer_for(app, other)
    )
    assert theirs.status_code == 404
    assert (
        await client.get("/api/v1/me/bank-cards", headers=factories.bearer_for(app, other))
    ).json()["items"] == []
