"""Bad input to the identity endpoints is a 422 problem, never a 500, and the spec tells the truth
about what comes back (both found by the API fuzzer)."""

from __future__ import annotations

import pytest

from tests.factories import bearer_for, make_staff, make_user

HUGE_IDS = [2**63, 2**70]


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_ids_beyond_bigint_are_refused(client, app, db, clock, huge):
    admin_id, *_ = await make_staff(db, now=clock.now(), role="admin")
    user_id = await make_user(db, now=clock.now())
    admin = bearer_for(app, admin_id)
    requests = [
        ("GET", f"/api/v1/admin/users/{huge}", None, admin),
        ("PUT", f"/api/v1/admin/users/{huge}/roles", {"roles": ["investor"]}, admin),
        ("POST", f"/api/v1/admin/users/{huge}/status", {"status": "frozen", "reason": "x"}, admin),
        ("POST", f"/api/v1/admin/users/{huge}/personal-data", {"reason": "a complaint"}, admin),
        ("GET", f"/api/v1/admin/institutions/{huge}", None, admin),
        (
            "PUT",
            f"/api/v1/admin/users/{user_id}/roles",
            {"roles": ["institution"], "institution_id": huge},
            admin,
        ),
        (
            "POST",
            "/api/v1/admin/users",
            {"login": "fuzzed", "password": "x", "roles": ["institution"], "institution_id": huge},
            admin,
        ),
        ("GET", f"/api/v1/me/bank-cards/{huge}", None, bearer_for(app, user_id)),
    ]
    for method, path, body, headers in requests:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 422, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation.invalid"
    profile = await client.get(f"/api/v1/admin/users/{user_id}", headers=admin)
    assert profile.json()["roles"] == ["investor"]


async def test_resending_a_code_is_documented_as_an_empty_202(client, app, db):
    operation = app.openapi()["paths"]["/api/v1/auth/confirm/resend"]["post"]
    assert "content" not in operation["responses"]["202"]
    response = await client.post("/api/v1/auth/confirm/resend", json={"login": "0" * 200})
    assert response.status_code == 202 and response.content == b""


async def test_a_nul_character_is_bad_input_on_every_database(client):
    # PostgreSQL text cannot hold NUL: the driver error becomes a 422, never a 500.
    response = await client.post(
        "/api/v1/auth/login", json={"login": "a\u0000b", "password": "a\u0000b"}
    )
    assert response.status_code in (401, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_unstorable_text_from_the_database_is_a_422_problem(app, client):
    from sqlalchemy.exc import DBAPIError

    class Orig(Exception):
        sqlstate = "22021"

    @app.post("/_test/nul")
    async def nul() -> dict:
        raise DBAPIError("INSERT", {}, Orig("invalid byte sequence for encoding UTF8: 0x00"))

    response = await client.post("/_test/nul")
    assert response.status_code == 422 and response.json()["code"] == "validation.invalid"
