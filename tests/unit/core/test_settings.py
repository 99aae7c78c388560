import base64

import pytest
from pydantic import ValidationError

from finplat.config import (
    DEV_BLIND_INDEX_KEY,
    DEV_CALLBACK_SECRET,
    DEV_DATA_KEYS,
    DEV_SECRET_KEY,
    Settings,
)

REAL_SECRETS = {
    "secret_key": "production-secret-key-" + "x" * 40,
    "data_keys": "2:" + base64.b64encode(b"a-real-data-key-of-32-bytes-long").decode(),
    "data_key_active": 2,
    "blind_index_key": base64.b64encode(b"a-real-blind-index-key-32-bytes!").decode(),
    "channel_callback_secret": "a-real-callback-secret",
}
DEFAULTS = {
    "secret_key": ("FINPLAT_SECRET_KEY", DEV_SECRET_KEY),
    "data_keys": ("FINPLAT_DATA_KEYS", DEV_DATA_KEYS),
    "blind_index_key": ("FINPLAT_BLIND_INDEX_KEY", DEV_BLIND_INDEX_KEY),
    "channel_callback_secret": ("FINPLAT_CHANNEL_CALLBACK_SECRET", DEV_CALLBACK_SECRET),
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("FINPLAT_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_refuses_all_default_secrets_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError) as error:
        Settings(environment=environment, _env_file=None)
    message = str(error.value)
    assert "development secrets" in message
    for variable, _ in DEFAULTS.values():
        assert variable in message


@pytest.mark.parametrize("field", sorted(DEFAULTS))
def test_refuses_any_single_default_secret_in_production(field: str) -> None:
    variable, default = DEFAULTS[field]
    values = {**REAL_SECRETS, field: default}
    if field == "data_keys":
        values["data_key_active"] = 1
    with pytest.raises(ValidationError) as error:
        Settings(environment="production", _env_file=None, **values)
    assert variable in str(error.value)
    others = [name for key, (name, _) in DEFAULTS.items() if key != field]
    assert not any(name in str(error.value) for name in others)


def test_production_starts_with_real_secrets() -> None:
    settings = Settings(environment="production", _env_file=None, **REAL_SECRETS)
    assert not settings.is_development
    assert settings.contact_otp_required


def test_production_secrets_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINPLAT_ENVIRONMENT", "production")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)
    for field, value in REAL_SECRETS.items():
        monkeypatch.setenv(f"FINPLAT_{field.upper()}", str(value))
    assert Settings(_env_file=None).environment == "production"


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_defaults_are_allowed_in_development(environment: str) -> None:
    settings = Settings(environment=environment, _env_file=None)
    assert settings.is_development
    assert not settings.contact_otp_required


def test_the_app_refuses_to_start_in_production_with_default_secrets(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from finplat.config import get_settings
    from finplat.main import create_app

    monkeypatch.setenv("FINPLAT_ENVIRONMENT", "production")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError, match="development secrets"):
            create_app()
    finally:
        get_settings.cache_clear()


def test_bounded_numeric_settings_are_checked() -> None:
    with pytest.raises(ValidationError):
        Settings(environment="test", database_pool_size=0, _env_file=None)
    with pytest.raises(ValidationError):
        Settings(environment="test", database_statement_timeout_ms=600_001, _env_file=None)


def test_dialect_is_derived_from_the_url() -> None:
    assert Settings(environment="test", database_url="postgresql+asyncpg://h/db",
                    _env_file=None).dialect == "postgresql"
    assert Settings(environment="test", _env_file=None).dialect == "sqlite"


@pytest.mark.parametrize(
    "weak", [{"password_hash_memory_kib": 8}, {"password_hash_time_cost": 1}]
)
def test_production_refuses_weak_password_hashing(weak: dict[str, int]) -> None:
    with pytest.raises(ValidationError) as error:
        Settings(environment="production", _env_file=None, **REAL_SECRETS, **weak)
    assert "password hashing" in str(error.value)


def test_password_hashes_carry_the_configured_costs() -> None:
    from finplat.identity import credentials

    default = Settings(_env_file=None)
    try:
        credentials.configure_hasher(
            time_cost=default.password_hash_time_cost,
            memory_cost_kib=default.password_hash_memory_kib,
            parallelism=default.password_hash_parallelism,
        )
        strong = credentials.hash_password("Secret-pass-1")
        assert strong.startswith("$argon2id$") and "m=65536,t=3,p=4" in strong
        credentials.configure_hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
        # A hash made under other costs still verifies with its own.
        assert credentials.verify_password(strong, "Secret-pass-1")
    finally:
        credentials.configure_hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
