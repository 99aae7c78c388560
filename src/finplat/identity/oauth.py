"""Third-party login: the OAuth 2.0 / OIDC authorization-code flow with state and PKCE (S256).

Providers come from ``settings.oauth_providers``, a JSON object::

    {"acme": {"client_id": "...", "client_secret": "...",
              "authorize_url": "https://id.acme.example/authorize",
              "token_url": "https://id.acme.example/token",
              "userinfo_url": "https://id.acme.example/userinfo",
              "redirect_uri": "https://finplat.example/oauth/acme/callback",
              "scope": "openid email"}}

The provider's HTTP client is built by ``http_client_for(app)``; tests inject a transport through
``app.state.oauth_transport``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.config import Settings
from finplat.core.db import Database
from finplat.core.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, field_error
from finplat.identity import credentials
from finplat.identity import service as identity_service
from finplat.identity.models import USER_ACTIVE, OAuthLink, OAuthState, User
from finplat.identity.sessions import TokenPair, issue_pair

STATE_TTL_SECONDS = 600
HTTP_TIMEOUT_SECONDS = 10.0
_REQUIRED = (
    "client_id",
    "client_secret",
    "authorize_url",
    "token_url",
    "userinfo_url",
    "redirect_uri",
)


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    redirect_uri: str
    scope: str = "openid email"


def providers(settings: Settings) -> dict[str, ProviderConfig]:
    if not settings.oauth_providers.strip():
        return {}
    raw = json.loads(settings.oauth_providers)
    configured = {}
    for name, values in raw.items():
        missing = [key for key in _REQUIRED if not values.get(key)]
        if missing:
            raise ValueError(f"oauth provider {name} lacks {', '.join(missing)}")
        configured[name] = ProviderConfig(
            name=name,
            scope=values.get("scope", "openid email"),
            **{key: values[key] for key in _REQUIRED},
        )
    return configured


def provider(settings: Settings, name: str) -> ProviderConfig:
    """Raises ``NotFound('identity.oauth_provider_unknown')``."""
    config = providers(settings).get(name)
    if config is None:
        raise NotFound("identity.oauth_provider_unknown", "no such sign-in provider")
    return config


def http_client_for(app: Any) -> httpx.AsyncClient:
    transport = getattr(app.state, "oauth_transport", None)
    return httpx.AsyncClient(transport=transport, timeout=HTTP_TIMEOUT_SECONDS)


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def start(
    db: Database, *, settings: Settings, provider_name: str, link_user_id: int | None,
    now: datetime
) -> tuple[str, str]:
    """Begin a flow: ``(authorization_url, state)``. A logged-in caller links the provider to
    their own account; otherwise the flow logs in (or signs up). Raises
    ``NotFound('identity.oauth_provider_unknown')``."""
    config = provider(settings, provider_name)
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)

    async def work(session: AsyncSession) -> None:
        session.add(
            OAuthState(
                state_hash=credentials.token_digest(state),
                provider=config.name,
                code_verifier=verifier,
                link_user_id=link_user_id,
                created_at=now,
                expires_at=now + timedelta(seconds=STATE_TTL_SECONDS),
            )
        )

    await db.run(work)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": config.redirect_uri,
            "scope": config.scope,
            "state": state,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in config.authorize_url else "?"
    return f"{config.authorize_url}{separator}{query}", state


async def _consume_state(
    db: Database, *, config: ProviderConfig, state: str, now: datetime
) -> OAuthState:
    async def work(session: AsyncSession) -> OAuthState | None:
        row = await session.scalar(
            select(OAuthState)
            .where(OAuthState.state_hash == credentials.token_digest(state))
            .with_for_update()
        )
        if (
            row is None
            or row.provider != config.name
            or row.consumed_at is not None
            or row.expires_at <= now
        ):
            return None
        row.consumed_at = now
        return row

    row = await db.run(work)
    if row is None:
        raise field_error("state", "unknown, used or expired", code="identity.oauth_state_invalid")
    return row


async def _fetch_identity(
    client: httpx.AsyncClient, *, config: ProviderConfig, code: str, verifier: str
) -> dict[str, Any]:
    failure = ServiceUnavailable(
        "identity.oauth_provider_error", "the sign-in provider refused or did not answer"
    )
    try:
        token_response = await client.post(
            config.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": config.redirect_uri,
                "client_id": config.client_id,
                "client_secret": config.client_secret,
                "code_verifier": verifier,
            },
            headers={"Accept": "application/json"},
        )
        if token_response.status_code != 200:
            raise failure
        access_token = token_response.json().get("access_token")
        if not isinstance(access_token, str):
            raise failure
        info_response = await client.get(
            config.userinfo_url, headers={"Authorization": f"Bearer {access_token}"}
        )
        if info_response.status_code != 200:
            raise failure
        info = info_response.json()
    except (httpx.HTTPError, ValueError):
        raise failure from None
    subject = info.get("sub") if isinstance(info, dict) else None
    if not isinstance(subject, str) or not 0 < len(subject) <= 255:
        raise failure
    return info


async def _user_for(
    session: AsyncSession,
    *,
    config: ProviderConfig,
    info: dict[str, Any],
    link_user_id: int | None,
    now: datetime,
) -> User:
    subject = info["sub"]
    linked = await session.scalar(
        select(OAuthLink).where(OAuthLink.provider == config.name, OAuthLink.subject == subject)
    )
    if linked is not None:
        if link_user_id is not None and linked.user_id != link_user_id:
            raise Conflict(
                "identity.oauth_already_linked", "this provider account is linked to another user"
            )
        user = await session.get(User, linked.user_id)
        assert user is not None
        return user
    if link_user_id is not None:
        user = await session.get(User, link_user_id)
        if user is None:
            raise NotFound("identity.user_not_found", "no such user")
    else:
        # A new account. The provider's email is not trusted to take over an existing
        # account: linking to one requires being logged in to it when the flow starts.
        handle = hashlib.sha256(f"{config.name}:{subject}".encode()).hexdigest()[:20]
        user, _ = await identity_service.create_user(
            session,
            now=now,
            password_hash=None,
            username=f"{config.name}-{handle}"[:64],
            roles=("investor",),
            contacts_confirmed=True,
        )
    session.add(OAuthLink(user_id=user.id, provider=config.name, subject=subject, created_at=now))
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(
            "identity.oauth_already_linked", "this provider account is already linked"
        ) from None
    await audit_service.record(
        session,
        action="identity.oauth_linked",
        target_type="user",
        target_id=user.id,
        now=now,
        actor_id=user.id,
        summary={"provider": config.name},
    )
    return user


async def finish(
    db: Database,
    *,
    provider_name: str,
    code: str,
    state: str,
    now: datetime,
    settings: Settings,
    client: httpx.AsyncClient,
) -> TokenPair:
    """Complete a flow and log the user in. Raises ``NotFound('identity.oauth_provider_unknown')``,
    ``InvalidInput('identity.oauth_state_invalid')``,
    ``ServiceUnavailable('identity.oauth_provider_error')``, ``Conflict`` and ``Forbidden``."""
    config = provider(settings, provider_name)
    flow = await _consume_state(db, config=config, state=state, now=now)
    info = await _fetch_identity(client, config=config, code=code, verifier=flow.code_verifier)

    async def work(session: AsyncSession) -> TokenPair:
        user = await _user_for(
            session, config=config, info=info, link_user_id=flow.link_user_id, now=now
        )
        if user.status != USER_ACTIVE:
            raise Forbidden("auth.account_disabled", f"this account is {user.status}")
        pair = await issue_pair(session, user=user, now=now, settings=settings)
        await audit_service.record(
            session,
            action="identity.logged_in",
            target_type="user",
            target_id=user.id,
            now=now,
            actor_id=user.id,
            summary={"provider": config.name},
        )
        return pair

    return await db.run(work)
