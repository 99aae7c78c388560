"""The support console: user search through the blind indexes (audited), a user's cards and
sessions, TOTP reset (shown once, audited), institutions and their users, role checks."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from finplat.audit.models import AuditRecord
from finplat.core.db import Database
from finplat.identity import console
from tests import factories


async def _audit(db: Database, action: str) -> list[AuditRecord]:
    async with db.transaction(readonly=True) as session:
        return list(await session.scalars(select(AuditRecord).where(AuditRecord.action == action)
                                          .order_by(AuditRecord.id)))


async def test_search_finds_a_user_by_phone_email_id_number_and_id_and_is_audited(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    id_number = factories.unique_id_number()
    phone = factories.unique_phone()
    user_id = await factories.make_user(db, now=now, phone=phone, id_number=id_number)
    other = await factories.make_user(db, now=now, email="li.si@example.com", verified=False)
    support_id, *_ = await factories.make_staff(db, now=now, role="support")
    headers = factories.bearer_for(app, support_id)

    async def search(q: str) -> list[int]:
        response = await client.get("/api/v1/admin/users/search", params={"q": q},
                                    headers=headers)
        assert response.status_code == 200, response.text
        return [item["user_id"] for item in response.json()["items"]]

    assert await search(phone) == [user_id]
    assert await search("LI.SI@example.com") == [other]
    assert await search(id_number.lower()) == [user_id]
    assert await search(str(other)) == [other]
    assert await search("13900000000") == []
    found = (await client.get("/api/v1/admin/users/search", params={"q": phone},
                              headers=headers)).json()["items"][0]
    assert found["phone"] != phone and "*" in found["phone"]  # masked
    assert found["id_number"] != id_number and found["kyc_status"] == "verified"
    records = await _audit(db, "identity.users_searched")
    assert [r.summary["by"] for r in records][:4] == ["phone", "email", "id_number", "user_id"]
    assert all(phone not in str(r.summary) and id_number not in str(r.summary) for r in records)
    assert records[0].actor_id == support_id and records[0].target_id == str(user_id)
    bad = await client.get("/api/v1/admin/users/search", params={"q": "110105194912310021"},
                           headers=headers)
    assert bad.status_code == 422


@pytest.mark.parametrize("role", ["investor", "reviewer", "auditor", "finance"])
async def test_search_is_for_support_admin_and_risk(
    client: httpx.AsyncClient, app: FastAPI, db: Database, role: str
) -> None:
    now = app.state.clock.now()
    if role == "investor":
        user_id = await factories.make_user(db, now=now)
    else:
        user_id, *_ = await factories.make_staff(db, now=now, role=role)
    response = await client.get("/api/v1/admin/users/search", params={"q": "x1"},
                                headers=factories.bearer_for(app, user_id))
    assert response.status_code == 403 and response.json()["code"] == "auth.forbidden"


async def test_cards_and_sessions_of_a_user_and_revoking_them(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    phone = factories.unique_phone()
    user_id = await factories.make_user(db, now=now, phone=phone, with_bank_card=True)
    login = await client.post("/api/v1/auth/login",
                              json={"login": phone, "password": factories.DEFAULT_PASSWORD})
    tokens = login.json()
    support_id, *_ = await factories.make_staff(db, now=now, role="support")
    headers = factories.bearer_for(app, support_id)
    cards = (await client.get(f"/api/v1/admin/users/{user_id}/bank-cards",
                              headers=headers)).json()["items"]
    assert len(cards) == 1 and "*" in cards[0]["card_number_masked"]
    sessions = (await client.get(f"/api/v1/admin/users/{user_id}/sessions",
                                 headers=headers)).json()["items"]
    assert len(sessions) == 1
    missing_reason = await client.post(f"/api/v1/admin/users/{user_id}/sessions/revoke",
                                       json={}, headers=headers)
    assert missing_reason.status_code == 422
    revoked = await client.post(f"/api/v1/admin/users/{user_id}/sessions/revoke",
                                json={"reason": "customer reported a lost phone"},
                                headers=headers)
    assert revoked.status_code == 204
    me = await client.get("/api/v1/me",
                          headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 401
    refresh = await client.post("/api/v1/auth/refresh",
                                json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert (await client.get(f"/api/v1/admin/users/{user_id}/sessions",
                             headers=headers)).json()["items"] == []
    [record] = await _audit(db, "identity.sessions_revoked")
    assert record.summary == {"reason": "customer reported a lost phone"}
    assert (await client.get("/api/v1/admin/users/999999/sessions",
                             headers=headers)).status_code == 404


async def test_totp_reset_shows_a_new_secret_once_and_the_old_one_stops_working(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    admin_id, *_ = await factories.make_staff(db, now=now, role="admin")
    staff_id, login, password, old_secret = await factories.make_staff(db, now=now,
                                                                       role="reviewer")
    headers = factories.bearer_for(app, admin_id)
    reset = await client.post(f"/api/v1/admin/users/{staff_id}/totp/reset",
                              json={"reason": "phone replaced"}, headers=headers)
    assert reset.status_code == 200, reset.text
    body = reset.json()
    assert body["totp_secret"] != old_secret
    assert body["provisioning_uri"].startswith("otpauth://totp/")
    app.state.clock.advance(timedelta(minutes=2))
    later = app.state.clock.now()
    old = await client.post("/api/v1/auth/login", json={
        "login": login, "password": password, "totp_code": factories.totp_for(old_secret, later)})
    assert old.status_code == 401 and old.json()["code"] == "auth.totp_invalid"
    await factories.login_headers(client, login, password,
                                  factories.totp_for(body["totp_secret"], later))
    [record] = await _audit(db, "identity.totp_reset")
    assert record.actor_id == admin_id and body["totp_secret"] not in str(record.summary)
    customer = await factories.make_user(db, now=now)
    not_staff = await client.post(f"/api/v1/admin/users/{customer}/totp/reset",
                                  json={"reason": "by mistake"}, headers=headers)
    assert not_staff.status_code == 409 and not_staff.json()["code"] == "identity.not_staff"
    support_id, *_ = await factories.make_staff(db, now=now, role="support")
    forbidden = await client.post(f"/api/v1/admin/users/{staff_id}/totp/reset",
                                  json={"reason": "x"},
                                  headers=factories.bearer_for(app, support_id))
    assert forbidden.status_code == 403


async def test_reset_totp_by_login_for_the_command_line(app: FastAPI, db: Database) -> None:
    now = app.state.clock.now()
    staff_id, login, _password, old_secret = await factories.make_staff(db, now=now,
                                                                        role="auditor")
    result = await console.reset_totp_for_login(db, login=login, reason="lost", now=now)
    assert result["user_id"] == staff_id and result["totp_secret"] != old_secret
    [record] = await _audit(db, "identity.totp_reset")
    assert record.actor_id is None and record.target_id == str(staff_id)


async def test_institutions_list_and_their_users(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    now = app.state.clock.now()
    first = await factories.make_institution(db, now=now)
    second = await factories.make_institution(db, now=now, name="另一家", uscc="91110000100000000K")
    member = await factories.make_user(db, now=now, roles=("institution",), institution_id=first,
                                       verified=False)
    await factories.make_user(db, now=now, roles=("institution",), institution_id=second,
                              verified=False)
    admin_id, *_ = await factories.make_staff(db, now=now, role="admin")
    headers = factories.bearer_for(app, admin_id)
    page = (await client.get("/api/v1/admin/institutions?limit=1", headers=headers)).json()
    assert [i["id"] for i in page["items"]] == [first] and page["next_cursor"]
    rest = (await client.get("/api/v1/admin/institutions",
                             params={"cursor": page["next_cursor"]}, headers=headers)).json()
    assert [i["id"] for i in rest["items"]] == [second]
    users = (await client.get(f"/api/v1/admin/institutions/{first}/users",
                              headers=headers)).json()["items"]
    assert [u["user_id"] for u in users] == [member]
    assert (await client.get("/api/v1/admin/institutions/99999/users",
                             headers=headers)).status_code == 404
    staff = (await client.get("/api/v1/admin/users?staff=true", headers=headers)).json()["items"]
    assert [u["user_id"] for u in staff] == [admin_id]
