import pytest

from finplat.audit import router as audit_router
from finplat.identity import deps as identity_deps
from finplat.identity.deps import Principal


def _as(app, *roles: str) -> None:
    principal = Principal(user_id=99, roles=frozenset(roles), kyc_verified=True,
                          institution_id=None)
    app.dependency_overrides[identity_deps.get_current_user] = lambda: principal


async def test_requires_a_token(client) -> None:
    response = await client.get("/api/v1/admin/audit")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", ["investor", "support", "reviewer", "risk_officer"])
async def test_forbidden_to_other_roles(app, client, role) -> None:
    _as(app, role)
    response = await client.get("/api/v1/admin/audit")
    assert response.status_code == 403 and response.json()["code"] == "auth.forbidden"


@pytest.mark.parametrize("role", ["auditor", "admin"])
async def test_auditors_and_admins_page_through_newest_first(app, client, chain, role) -> None:
    _as(app, role)
    first = (await client.get("/api/v1/admin/audit", params={"limit": 2})).json()
    assert [r["sequence"] for r in first["items"]] == [5, 4]
    assert first["items"][0]["summary"] == {"n": 5, "phone": "138****5678"}
    second = (await client.get("/api/v1/admin/audit",
                               params={"limit": 2, "cursor": first["next_cursor"]})).json()
    third = (await client.get("/api/v1/admin/audit",
                              params={"limit": 2, "cursor": second["next_cursor"]})).json()
    assert [r["sequence"] for r in second["items"] + third["items"]] == [3, 2, 1]
    assert third["next_cursor"] is None


async def test_filters(app, client, chain) -> None:
    _as(app, "auditor")

    async def sequences(**params) -> list[int]:
        response = await client.get("/api/v1/admin/audit", params=params)
        assert response.status_code == 200, response.text
        return [r["sequence"] for r in response.json()["items"]]

    assert await sequences(action="test.step_2") == [2]
    assert await sequences(action_prefix="test.") == [5, 4, 3, 2, 1]
    assert await sequences(target_type="thing", target_id="4") == [4]
    assert await sequences(actor_id=8) == [4, 2]
    assert await sequences(**{"from": "2026-03-02T02:00:00Z", "to": "2026-03-02T02:00:01Z"}) \
        == [5, 4, 3, 2, 1]
    assert await sequences(**{"to": "2026-03-02T02:00:00+00:00"}) == []


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 101}, {"actor_id": 0}, {"action": "x" * 65},
    {"cursor": "not-a-cursor"}, {"from": "2026-03-02T02:00:00"},
])
async def test_bad_queries_are_422(app, client, params) -> None:
    _as(app, "auditor")
    response = await client.get("/api/v1/admin/audit", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_verify_endpoint(app, client, chain) -> None:
    _as(app, "auditor")
    body = (await client.get("/api/v1/admin/audit/verify")).json()
    assert body["ok"] is True and body["records"] == 5


def test_the_router_uses_the_identity_role_check() -> None:
    assert audit_router.require_auditor.__qualname__.startswith("require_roles")
