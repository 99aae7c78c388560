"""Who is calling: bearer-token authentication and role/verification checks as dependencies.

Use in routers::

    async def endpoint(user: CurrentUser): ...            # any logged-in user
    async def endpoint(user: VerifiedUser): ...           # KYC verified (403 identity.kyc_required)
    async def endpoint(user: Annotated[Principal, Depends(require_roles("admin"))]): ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select

from finplat.core.context import actor_id_var
from finplat.core.errors import Forbidden, Unauthenticated
from finplat.core.prebuilt import Prebuilt
from finplat.identity import credentials
from finplat.identity.models import KYC_VERIFIED, STAFF_ROLES, USER_ACTIVE, User, UserRole

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/v1/auth/login")


@dataclass(frozen=True)
class Principal:
    user_id: int
    roles: frozenset[str]
    kyc_verified: bool
    institution_id: int | None

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


# The user and their roles in one statement (one round trip on every authenticated call).
# Built once; through the driver on PostgreSQL (it runs on every authenticated request).
_PRINCIPAL = Prebuilt(
    select(User.status, User.session_epoch, User.kyc_status, User.institution_id, UserRole.role)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(User.id == bindparam("user_id"))
)


def _unauthenticated(detail: str = "a valid bearer access token is required") -> Unauthenticated:
    return Unauthenticated(
        "auth.unauthenticated", detail, headers={"WWW-Authenticate": 'Bearer realm="finplat"'}
    )


async def get_current_user(
    request: Request,
    authorization: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The authenticated principal. Raises ``Unauthenticated`` (401 ``auth.unauthenticated``)."""
    if authorization is None or authorization.scheme.lower() != "bearer":
        raise _unauthenticated()
    settings = request.app.state.settings
    now = request.app.state.clock.now()
    try:
        user_id, epoch = credentials.decode_access_token(
            authorization.credentials, secret_key=settings.secret_key, now=now
        )
    except Unauthenticated as error:
        raise _unauthenticated(error.detail) from None
    rows = await request.app.state.db.fetch_all(_PRINCIPAL, {"user_id": user_id})
    user = rows[0] if rows else None
    if user is None or user.status != USER_ACTIVE or user.session_epoch != epoch:
        raise _unauthenticated("the session has ended; log in again")
    principal = Principal(
        user_id=user_id,
        roles=frozenset(row.role for row in rows if row.role is not None),
        kyc_verified=user.kyc_status == KYC_VERIFIED,
        institution_id=user.institution_id,
    )
    actor_id_var.set(principal.user_id)
    return principal


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def get_verified_user(user: CurrentUser) -> Principal:
    """Raises ``Forbidden('identity.kyc_required')`` before real-name verification."""
    if not user.kyc_verified:
        raise Forbidden("identity.kyc_required", "real-name verification is required first")
    return user


VerifiedUser = Annotated[Principal, Depends(get_verified_user)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the principal holding one of ``roles``, else 403 ``auth.forbidden``."""
    wanted = frozenset(roles)

    async def dependency(user: CurrentUser) -> Principal:
        if not user.roles & wanted:
            raise Forbidden(
                "auth.forbidden", "this requires one of the roles: " + ", ".join(sorted(wanted))
            )
        return user

    return dependency
