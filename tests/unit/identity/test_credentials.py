from datetime import UTC, datetime, timedelta

import pytest

from finplat.core.errors import InvalidInput, Unauthenticated
from finplat.identity import credentials

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SECRET = "unit-test-secret-key-0123456789abcdef"


@pytest.mark.parametrize("password", ["short1A", "alllowercase", "12345678901", "ALLUPPERCASE"])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        credentials.check_password_policy(password, logins=("13800138000",))
    assert caught.value.errors and caught.value.errors[0]["field"] == "password"


def test_password_equal_to_login_is_refused() -> None:
    with pytest.raises(InvalidInput, match="login"):
        credentials.check_password_policy("Admin-User1", logins=("admin-user1",))


def test_argon2id_round_trip() -> None:
    digest = credentials.hash_password("Secret-pass-1")
    assert digest.startswith("$argon2id$")
    assert credentials.verify_password(digest, "Secret-pass-1")
    assert not credentials.verify_password(digest, "Secret-pass-2")
    assert not credentials.verify_password(None, "finplat-no-such-user")


def test_access_token_round_trip_and_expiry_on_the_injected_clock() -> None:
    token = credentials.issue_access_token(
        secret_key=SECRET, user_id=7, session_epoch=2, now=NOW, ttl_seconds=900
    )
    assert credentials.decode_access_token(token, secret_key=SECRET, now=NOW) == (7, 2)
    with pytest.raises(Unauthenticated, match="expired"):
        credentials.decode_access_token(token, secret_key=SECRET, now=NOW + timedelta(seconds=900))
    with pytest.raises(Unauthenticated):
        credentials.decode_access_token(token, secret_key=SECRET + "x", now=NOW)
    with pytest.raises(Unauthenticated):
        credentials.decode_access_token("not-a-token", secret_key=SECRET, now=NOW)


def test_unsigned_token_is_refused() -> None:
    import jwt

    forged = jwt.encode(
        {"sub": "1", "typ": "access", "exp": 4_000_000_000}, key=None, algorithm="none"
    )
    with pytest.raises(Unauthenticated):
        credentials.decode_access_token(forged, secret_key=SECRET, now=NOW)


def test_totp() -> None:
    secret = credentials.new_totp_secret()
    code = credentials.totp_code(secret, now=NOW)
    step = credentials.verify_totp(secret, code, now=NOW)
    assert step == int(NOW.timestamp()) // 30
    assert credentials.verify_totp(secret, code, now=NOW + timedelta(seconds=30)) == step
    assert credentials.verify_totp(secret, code, now=NOW + timedelta(minutes=5)) is None
    assert credentials.verify_totp(secret, None, now=NOW) is None
    assert credentials.verify_totp(secret, "12345", now=NOW) is None


def test_a_totp_code_is_good_once() -> None:
    secret = credentials.new_totp_secret()
    code = credentials.totp_code(secret, now=NOW)
    step = credentials.verify_totp(secret, code, now=NOW)
    assert credentials.verify_totp(secret, code, now=NOW, last_step=step) is None
    later = credentials.totp_code(secret, now=NOW + timedelta(seconds=30))
    assert credentials.verify_totp(secret, later, now=NOW + timedelta(seconds=30), last_step=step)
