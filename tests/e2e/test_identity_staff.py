"""Staff: TOTP at login, role-guarded admin endpoints, audited unmasked reads, institutions."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from finplat.audit.models import AuditRecord
from finplat.core.db import Database
from finplat.identity.models import STAFF_ROLES
from tests import factories

ADMIN_ENDPOINTS = [
    (
        "GET",
        "/api/v1/admin/users",
        None,
        {"admin", "support", "risk_officer", "reviewer", "auditor"},
    ),
    (
        "POST",
        "/api/v1/admin/users",
        {"login": "new-staff", "password": "Secret-pass-9", "roles": ["support"]},
        {"admin"},
    ),
    (
        "GET",
        "/api/v1/admin/users/{target}",
        None,
        {"admin", "support", "risk_officer", "reviewer", "auditor"},
    ),
    ("PUT", "/api/v1/admin/users/{target}/roles", {"roles": ["investor", "borrower"]}, {"admin"}),
    (
        "POST",
        "/api/v1/admin/users/{target}/status",
        {"status": "frozen", "reason": "test"},
        {"admin"},
    ),
    (
        "POST",
        "/api/v1/admin/users/{target}/personal-data",
        {"reason": "complaint 123 follow-up"},
        {"admin", "risk_officer", "support"},
    ),
    (
        "POST",
        "/api/v1/admin/institutions",
        {"name": "某银行", "uscc": "91350100M000100Y43"},
        {"admin"},
    ),
]


async def test_staff_login_needs_a_totp_code(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    _, login, password, secret = await factories.make_staff(db, now=now, role="reviewer")
    missing = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert missing.status_code == 401 and missing.json()["code"] == "auth.totp_required"
    wrong_code = "000000" if factories.totp_for(secret, now) != "000000" else "111111"
    wrong = await client.post(
        "/api/v1/auth/login", json={"login": login, "password": password, "totp_code": wrong_code}
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "auth.totp_invalid"
    headers = await factories.login_headers(
        client, login, password, factories.totp_for(secret, now)
    )
    assert (await client.get("/api/v1/me", headers=headers)).json()["roles"] == ["reviewer"]
    # The same code cannot be used twice.
    replayed = await client.post(
        "/api/v1/auth/login",
        json={"login": login, "password": password, "totp_code": factories.totp_for(secret, now)},
    )
    assert replayed.status_code == 401
    # A code from long ago is refused.
    stale = factories.totp_for(secret, now - timedelta(minutes=10))
    response = await client.post(
        "/api/v1/auth/login", json={"login": login, "password": password, "totp_code": stale}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ADMIN_ENDPOINTS)
async def test_admin_endpoints_are_forbidden_without_the_role(
    client: httpx.AsyncClient,
    app: FastAPI,
    db: Database,
    method: str,
    path: str,
    body: dict | None,
    allowed: set[str],
) -> None:
    now = app.state.clock.now()
    target = await factories.make_user(db, now=now)
    url = path.format(target=target)
    callers = {"investor": target}
    for role in STAFF_ROLES - allowed:
        callers[role] = (await factories.make_staff(db, now=now, role=role))[0]
    for role, user_id in callers.items():
        response = await client.request(
            method, url, json=body, headers=factories.bearer_for(app, user_id)
        )
        assert response.status_code == 403, (role, response.text)
        assert response.json()["code"] == "auth.forbidden"
    assert (await client.request(method, url, json=body)).status_code == 401
    admin_id = (await factories.make_staff(db, now=now, role=sorted(allowed)[0]))[0]
    allowed_response = await client.request(
        method, url, json=body, headers=factories.bearer_for(app, admin_id)
    )
    assert allowed_response.status_code < 300, allowed_response.text


async def test_personal_data_read_needs_a_reason_and_is_audited(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    card = factories.unique_bank_card()
    target = await factories.make_user(
        db,
        now=now,
        phone="13900000011",
        real_name="欧阳娜娜",
        id_number="440524198001010013",
        bank_card_number=card,
    )
    support = (await factories.make_staff(db, now=now, role="support"))[0]
    headers = factories.bearer_for(app, support)
    masked = (await client.get(f"/api/v1/admin/users/{target}", headers=headers)).json()
    assert masked["phone"] == "139****0011" and masked["real_name"] == "欧阳**"
    assert masked["id_number"] == "4****************3"
    no_reason = await client.post(
        f"/api/v1/admin/users/{target}/personal-data", headers=headers, json={"reason": " "}
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    response = await client.post(
        f"/api/v1/admin/users/{target}/personal-data",
        headers=headers,
        json={"reason": "ticket 42: customer asks to confirm identity"},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["id_number"] == "440524198001010013" and data["phone"] == "13900000011"
    assert data["real_name"] == "欧阳娜娜" and data["bank_cards"][0]["card_number"] == card
    async with db.transaction(readonly=True) as session:
        reads = list(
            await session.scalars(
                select(AuditRecord).where(AuditRecord.action == "identity.pii_viewed")
            )
        )
    assert len(reads) == 1
    assert reads[0].actor_id == support and reads[0].target_id == str(target)
    assert "ticket 42" in reads[0].summary["reason"]
    missing = await client.post(
        "/api/v1/admin/users/999999/personal-data",
        headers=headers,
        json={"reason": "looking for someone"},
    )
    assert missing.status_code == 404


async def test_admin_manages_staff_and_roles(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    admin_id, admin_login, password, secret = await factories.make_staff(db, now=now, role="admin")
    headers = await factories.login_headers(
        client, admin_login, password, factories.totp_for(secret, now)
    )
    created = await client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={"login": "risk-li", "password": "Risk-pass-2026", "roles": ["risk_officer"]},
    )
    assert created.status_code == 201
    staff = created.json()
    assert staff["totp_secret"]
    await factories.login_headers(
        client, "risk-li", "Risk-pass-2026", factories.totp_for(staff["totp_secret"], now)
    )
    unknown = await client.put(
        f"/api/v1/admin/users/{staff['user_id']}/roles", headers=headers, json={"roles": ["wizard"]}
    )
    assert unknown.status_code == 422
    changed = await client.put(
        f"/api/v1/admin/users/{staff['user_id']}/roles",
        headers=headers,
        json={"roles": ["auditor", "support"]},
    )
    assert changed.status_code == 200 and changed.json()["roles"] == ["auditor", "support"]
    self_demotion = await client.put(
        f"/api/v1/admin/users/{admin_id}/roles", headers=headers, json={"roles": ["support"]}
    )
    assert self_demotion.status_code == 403
    listed = await client.get("/api/v1/admin/users?role=auditor", headers=headers)
    assert [u["user_id"] for u in listed.json()["items"]] == [staff["user_id"]]
    async with db.transaction(readonly=True) as session:
        actions = list(
            await session.scalars(
                select(AuditRecord.action).where(AuditRecord.actor_id == admin_id)
            )
        )
    assert "identity.user_created" in actions and "identity.roles_changed" in actions


async def test_freezing_ends_sessions(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    admin_id = (await factories.make_staff(db, now=now, role="admin"))[0]
    await factories.make_user(db, now=now, phone="13900000012")
    user_headers = await factories.login_headers(client, "13900000012", factories.DEFAULT_PASSWORD)
    me = (await client.get("/api/v1/me", headers=user_headers)).json()
    frozen = await client.post(
        f"/api/v1/admin/users/{me['user_id']}/status",
        headers=factories.bearer_for(app, admin_id),
        json={"status": "frozen", "reason": "suspected fraud"},
    )
    assert frozen.status_code == 204
    assert (await client.get("/api/v1/me", headers=user_headers)).status_code == 401
    login = await client.post(
        "/api/v1/auth/login", json={"login": "13900000012", "password": factories.DEFAULT_PASSWORD}
    )
    assert login.status_code == 403 and login.json()["code"] == "auth.account_disabled"


async def test_institutions_and_institution_users(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    headers = factories.bearer_for(app, (await factories.make_staff(db, now=now, role="admin"))[0])
    bad_format = await client.post(
        "/api/v1/admin/institutions",
        headers=headers,
        json={"name": "某公司", "uscc": "91350100M000100YI3"},
    )
    assert bad_format.status_code == 422 and bad_format.json()["errors"][0]["field"] == "uscc"
    soft = await client.post(
        "/api/v1/admin/institutions",
        headers=headers,
        json={"name": "某公司", "uscc": "91350100M000100Y44"},
    )
    assert soft.status_code == 201 and soft.json()["needs_registry_verification"] is True
    good = await client.post(
        "/api/v1/admin/institutions",
        headers=headers,
        json={"name": "某银行", "uscc": "91350100M000100Y43"},
    )
    assert good.json()["needs_registry_verification"] is False
    duplicate = await client.post(
        "/api/v1/admin/institutions",
        headers=headers,
        json={"name": "某银行", "uscc": "91350100M000100Y43"},
    )
    assert duplicate.status_code == 409
    without = await client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={"login": "inst-user", "password": "Inst-pass-2026", "roles": ["institution"]},
    )
    assert without.status_code == 422
    created = await client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={
            "login": "inst-user",
            "password": "Inst-pass-2026",
            "roles": ["institution"],
            "institution_id": good.json()["id"],
        },
    )
    assert created.status_code == 201 and created.json()["totp_secret"] is None
    user_id = created.json()["user_id"]
    profile = (await client.get("/api/v1/me", headers=factories.bearer_for(app, user_id))).json()
    assert profile["institution_id"] == good.json()["id"]
