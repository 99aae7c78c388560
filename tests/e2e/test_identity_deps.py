"""The dependencies other packages build on, mounted on routes of the test's own."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import select

from finplat.core.db import Database
from finplat.events.models import OutboxEvent
from finplat.identity.deps import CurrentUser, Principal, VerifiedUser, require_roles
from finplat.identity.notifier import notifier_for
from tests import factories

probe = APIRouter(prefix="/api/v1/probe")


@probe.get("/current")
async def current(user: CurrentUser) -> dict[str, object]:
    return {"user_id": user.user_id, "roles": sorted(user.roles), "staff": user.is_staff}


@probe.get("/verified")
async def verified(user: VerifiedUser) -> dict[str, int]:
    return {"user_id": user.user_id}


@probe.get("/reviewers")
async def reviewers(
    user: Annotated[Principal, Depends(require_roles("reviewer", "admin"))],
) -> dict[str, int]:
    return {"user_id": user.user_id}


async def test_verified_user_and_roles(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    app.include_router(probe)
    now = app.state.clock.now()
    unverified = await factories.make_user(db, now=now, verified=False)
    verified_user = await factories.make_user(db, now=now)
    reviewer = (await factories.make_staff(db, now=now, role="reviewer"))[0]

    response = await client.get(
        "/api/v1/probe/verified", headers=factories.bearer_for(app, unverified)
    )
    assert response.status_code == 403 and response.json()["code"] == "identity.kyc_required"
    response = await client.get(
        "/api/v1/probe/verified", headers=factories.bearer_for(app, verified_user)
    )
    assert response.status_code == 200

    response = await client.get(
        "/api/v1/probe/reviewers", headers=factories.bearer_for(app, verified_user)
    )
    assert response.status_code == 403 and response.json()["code"] == "auth.forbidden"
    response = await client.get(
        "/api/v1/probe/reviewers", headers=factories.bearer_for(app, reviewer)
    )
    assert response.status_code == 200
    current_body = (
        await client.get("/api/v1/probe/current", headers=factories.bearer_for(app, reviewer))
    ).json()
    assert current_body == {"user_id": reviewer, "roles": ["reviewer"], "staff": True}
    assert (await client.get("/api/v1/probe/current")).status_code == 401


async def test_kyc_publishes_an_event(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    user_id = await factories.make_user(db, now=app.state.clock.now())
    async with db.transaction(readonly=True) as session:
        events = list(await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))
    topics = [(event.topic, event.payload.get("user_id")) for event in events]
    assert ("identity.user_created", user_id) in topics
    assert ("identity.kyc_verified", user_id) in topics


async def test_codes_expire_and_allow_few_attempts(
    client: httpx.AsyncClient, app: FastAPI, db: Database
) -> None:
    email = "chen@example.com"
    password = "Secret-pass-123"
    consent = {"user_agreement": 1, "privacy_policy": 1}

    async def register(code: str | None) -> httpx.Response:
        return await client.post("/api/v1/auth/register", json={
            "email": email, "password": password, "code": code, "agreements": consent})

    assert (await client.post("/api/v1/auth/register/code",
                              json={"email": email})).status_code == 202
    again = await client.post("/api/v1/auth/register/code", json={"email": email})
    assert again.status_code == 409 and again.json()["code"] == "identity.code_sent_recently"
    notifier = notifier_for(app)
    first = notifier.last_code(email)  # type: ignore[attr-defined]
    app.state.clock.advance(timedelta(seconds=app.state.settings.otp_ttl_seconds))
    expired = await register(first)
    assert expired.status_code == 422 and expired.json()["code"] == "identity.code_invalid"

    assert (await client.post("/api/v1/auth/register/code",
                              json={"email": email})).status_code == 202
    fresh = notifier.last_code(email)  # type: ignore[attr-defined]
    wrong = "000000" if fresh != "000000" else "111111"
    for _ in range(5):
        assert (await register(wrong)).status_code == 422
    # After five wrong guesses even the right code no longer works.
    assert (await register(fresh)).status_code == 422
    # Resending to an unknown login reveals nothing.
    assert (
        await client.post("/api/v1/auth/confirm/resend", json={"login": "nobody@example.com"})
    ).status_code == 202


async def test_refresh_token_expires(client: httpx.AsyncClient, app: FastAPI, db: Database) -> None:
    await factories.make_user(db, now=app.state.clock.now(), phone="13900000301")
    pair = (
        await client.post(
            "/api/v1/auth/login",
            json={"login": "13900000301", "password": factories.DEFAULT_PASSWORD},
        )
    ).json()
    app.state.clock.advance(timedelta(seconds=app.state.settings.refresh_token_ttl_seconds))
    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert response.status_code == 401
    assert (
        await client.post("/api/v1/auth/logout", json={"refresh_token": "unknown-token"})
    ).status_code == 204
