"""Passwords (argon2id), access tokens (JWT, HS256), opaque refresh tokens and TOTP."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

import jwt
import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from finplat.core.errors import Unauthenticated, field_error
from finplat.core.fields import MAX_ID

_hasher: PasswordHasher | None = None
# Verified against when the login is unknown, so that timing does not reveal which logins exist.
_dummy_hash = ""


def configure_hasher(*, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
    """argon2id with these costs for new hashes; existing hashes verify with their own."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
    )
    _dummy_hash = _hasher.hash("finplat-no-such-user")


def _current_hasher() -> PasswordHasher:
    if _hasher is None:
        from finplat.config import get_settings

        settings = get_settings()
        configure_hasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost_kib=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        )
    assert _hasher is not None
    return _hasher
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
ALGORITHM = "HS256"


def check_password_policy(
    password: str, *, logins: tuple[str | None, ...], field: str = "password"
) -> None:
    """At least 8 characters of two classes, not the login itself. Raises ``InvalidInput``."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise field_error(
            field,
            f"must be {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters",
            code="identity.weak_password",
        )
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 2:
        raise field_error(
            field,
            "must mix at least two of: lower case, upper case, digits, symbols",
            code="identity.weak_password",
        )
    lowered = password.lower()
    if any(login and login.lower() in (lowered, lowered.strip()) for login in logins):
        raise field_error(field, "must not be the login itself", code="identity.weak_password")


def hash_password(password: str) -> str:
    return _current_hasher().hash(password)


async def hash_password_async(password: str) -> str:
    """``hash_password`` off the event loop (argon2id takes a noticeable fraction of a second)."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        hasher = _current_hasher()
        return hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_access_token(
    *, secret_key: str, user_id: int, session_epoch: int, now: datetime, ttl_seconds: int
) -> str:
    claims = {
        "sub": str(user_id),
        "typ": ACCESS_TOKEN_TYPE,
        "ep": session_epoch,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret_key, algorithm=ALGORITHM)


def decode_access_token(token: str, *, secret_key: str, now: datetime) -> tuple[int, int]:
    """``(user_id, session_epoch)`` of a valid token. Raises ``Unauthenticated``.

    Expiry is checked against the injected clock rather than the library's wall clock, on every
    call: what a token says is remembered (``_verified_claims``), whether it is still valid is
    not.
    """
    user_id, epoch, expires = _verified_claims(token, secret_key)
    if expires <= int(now.timestamp()):
        raise Unauthenticated("auth.token_expired", "the access token has expired")
    return user_id, epoch


@functools.lru_cache(maxsize=4096)
def _verified_claims(token: str, secret_key: str) -> tuple[int, int, int]:
    """``(user_id, session_epoch, exp)`` of a token signed with ``secret_key``, its signature
    and claims checked once per process (a pure function of the two strings; the signature
    check is most of an authenticated request's own CPU). Raises ``Unauthenticated`` (not
    cached: an invalid token is checked again each time)."""
    try:
        claims = jwt.decode(
            token,
            secret_key,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_iat": False, "require": ["sub", "exp", "typ"]},
        )
    except jwt.PyJWTError:
        raise Unauthenticated("auth.unauthenticated", "the access token is invalid") from None
    exp = claims.get("exp")
    if claims.get("typ") != ACCESS_TOKEN_TYPE or not isinstance(exp, int):
        raise Unauthenticated("auth.unauthenticated", "the access token is invalid")
    user_id, epoch = _user_id_claim(claims["sub"]), claims.get("ep", 0)
    # bool is an int to Python; an epoch outside BIGINT can match no session either.
    if user_id is None or isinstance(epoch, bool) or not isinstance(epoch, int) \
            or not 0 <= epoch <= MAX_ID:
        raise Unauthenticated("auth.unauthenticated", "the access token is invalid")
    return user_id, epoch, exp


_USER_ID_CLAIM = re.compile(r"[1-9][0-9]{0,18}")


def _user_id_claim(sub: object) -> int | None:
    """The user id a ``sub`` claim names: ASCII digits (``int()`` would also take Unicode digits,
    signs, spaces and underscores) within BIGINT, else None. A larger id reached the database
    and failed there (a 500)."""
    if not isinstance(sub, str) or _USER_ID_CLAIM.fullmatch(sub) is None:
        return None
    user_id = int(sub)
    return user_id if user_id <= MAX_ID else None


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_totp_secret() -> str:
    return pyotp.random_base32()


TOTP_STEP_SECONDS = 30


def verify_totp(
    secret: str, code: str | None, *, now: datetime, last_step: int | None = None
) -> int | None:
    """The time step a code matches (RFC 6238, 30 s, 6 digits, one step of drift either way),
    or None. A step at or before ``last_step`` was already used and is refused (no replay)."""
    if not code or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS)
    current = int(now.timestamp()) // TOTP_STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * TOTP_STEP_SECONDS), code):
            return step
    return None


def totp_code(secret: str, *, now: datetime) -> str:
    return pyotp.TOTP(secret).at(now)
