"""Third-party login against a fake OIDC provider served by the test itself (no network)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI, Form, Header, HTTPException

from finplat.core.db import Database
from tests import factories

PROVIDERS = {
    "fakeid": {
        "client_id": "finplat-client",
        "client_secret": "fake-secret",
        "authorize_url": "https://id.fake.test/authorize",
        "token_url": "https://id.fake.test/token",
        "userinfo_url": "https://id.fake.test/userinfo",
        "redirect_uri": "https://finplat.test/oauth/fakeid/callback",
        "scope": "openid email",
    }
}


class FakeProvider:
    """Issues codes bound to a PKCE challenge; exchanges them once for a userinfo token."""

    def __init__(self) -> None:
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (challenge, subject)
        self.tokens: dict[str, str] = {}
        self.app = FastAPI()

        @self.app.post("/token")
        async def token(
            grant_type: str = Form(),
            code: str = Form(),
            client_id: str = Form(),
            client_secret: str = Form(),
            code_verifier: str = Form(),
            redirect_uri: str = Form(),
        ) -> dict[str, str]:
            if (grant_type, client_id, client_secret) != (
                "authorization_code",
                "finplat-client",
                "fake-secret",
            ):
                raise HTTPException(401)
            challenge, subject = self.codes.pop(code, (None, None))
            digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
            if challenge is None or digest.rstrip(b"=").decode() != challenge:
                raise HTTPException(400, "invalid_grant")
            access = secrets.token_hex(8)
            self.tokens[access] = subject
            return {"access_token": access, "token_type": "Bearer"}

        @self.app.get("/userinfo")
        async def userinfo(authorization: str = Header()) -> dict[str, object]:
            subject = self.tokens.get(authorization.removeprefix("Bearer "))
            if subject is None:
                raise HTTPException(401)
            return {"sub": subject, "email": f"{subject}@fake.test", "email_verified": True}

    def authorize(self, authorization_url: str, subject: str) -> tuple[str, str]:
        """What the user's browser does at the provider: returns (code, state)."""
        query = parse_qs(urlparse(authorization_url).query)
        assert query["code_challenge_method"] == ["S256"]
        assert query["client_id"] == ["finplat-client"]
        code = secrets.token_hex(8)
        self.codes[code] = (query["code_challenge"][0], subject)
        return code, query["state"][0]


@pytest.fixture
def provider(app: FastAPI) -> FakeProvider:
    fake = FakeProvider()
    app.state.settings = app.state.settings.model_copy(
        update={"oauth_providers": json.dumps(PROVIDERS)}
    )
    app.state.oauth_transport = httpx.ASGITransport(app=fake.app)
    return fake


async def _flow(
    client: httpx.AsyncClient,
    provider: FakeProvider,
    subject: str,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    started = await client.get("/api/v1/auth/oauth/fakeid/start", headers=headers or {})
    assert started.status_code == 200, started.text
    code, state = provider.authorize(started.json()["authorization_url"], subject)
    assert state == started.json()["state"]
    return await client.post(
        "/api/v1/auth/oauth/fakeid/callback", json={"code": code, "state": state}
    )


async def test_sign_up_then_log_in_again(
    client: httpx.AsyncClient, provider: FakeProvider, db: Database
) -> None:
    first = await _flow(client, provider, "alice")
    assert first.status_code == 200, first.text
    headers = {"Authorization": f"Bearer {first.json()['access_token']}"}
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["roles"] == ["investor"] and me["kyc_status"] == "unverified"
    second = await _flow(client, provider, "alice")
    again = {"Authorization": f"Bearer {second.json()['access_token']}"}
    assert (await client.get("/api/v1/me", headers=again)).json()["user_id"] == me["user_id"]


async def test_linking_to_the_logged_in_account(
    client: httpx.AsyncClient, provider: FakeProvider, app: FastAPI, db: Database
) -> None:
    user_id = await factories.make_user(db, now=app.state.clock.now())
    linked = await _flow(client, provider, "bob", headers=factories.bearer_for(app, user_id))
    assert linked.status_code == 200
    login = await _flow(client, provider, "bob")
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get("/api/v1/me", headers=headers)).json()["user_id"] == user_id


async def test_state_is_single_use_and_checked(
    client: httpx.AsyncClient, provider: FakeProvider, db: Database
) -> None:
    started = (await client.get("/api/v1/auth/oauth/fakeid/start")).json()
    code, state = provider.authorize(started["authorization_url"], "carol")
    forged = await client.post(
        "/api/v1/auth/oauth/fakeid/callback", json={"code": code, "state": "x" * 32}
    )
    assert forged.status_code == 422 and forged.json()["code"] == "identity.oauth_state_invalid"
    ok = await client.post(
        "/api/v1/auth/oauth/fakeid/callback", json={"code": code, "state": state}
    )
    assert ok.status_code == 200
    replay = await client.post(
        "/api/v1/auth/oauth/fakeid/callback", json={"code": code, "state": state}
    )
    assert replay.status_code == 422


async def test_provider_refusal_is_a_clean_error(
    client: httpx.AsyncClient, provider: FakeProvider, db: Database
) -> None:
    started = (await client.get("/api/v1/auth/oauth/fakeid/start")).json()
    _, state = provider.authorize(started["authorization_url"], "dave")
    response = await client.post(
        "/api/v1/auth/oauth/fakeid/callback", json={"code": "not-issued", "state": state}
    )
    assert response.status_code == 503
    assert response.json()["code"] == "identity.oauth_provider_error"


async def test_unknown_provider(
    client: httpx.AsyncClient, provider: FakeProvider, db: Database
) -> None:
    assert (await client.get("/api/v1/auth/oauth/nobody/start")).status_code == 404
    too_long = await client.get(f"/api/v1/auth/oauth/{'p' * 33}/start")
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "provider"
