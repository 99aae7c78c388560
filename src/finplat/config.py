"""Settings, read from the environment with the ``FINPLAT_`` prefix.

Every business figure that an operator may need to change (limits, thresholds, rates) lives here
or in a policy row with an effective date, never as a literal in domain code.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Development-only defaults. The application refuses to start outside development with any of
# these still in place (see ``Settings.refuse_default_secrets``).
DEV_SECRET_KEY = "dev-only-secret-key-change-me-0123456789abcdef"  # noqa: S105 - refused outside development
DEV_DATA_KEYS = "1:" + base64.b64encode(b"dev-only-data-key-32-bytes-long!").decode()
DEV_BLIND_INDEX_KEY = base64.b64encode(b"dev-only-blind-index-key-32bytes").decode()
DEV_CALLBACK_SECRET = "dev-only-channel-callback-secret"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FINPLAT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "staging", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'finplat.db'}"
    database_statement_timeout_ms: int = Field(default=5_000, gt=0, le=600_000)
    database_lock_timeout_ms: int = Field(default=2_000, gt=0, le=600_000)
    database_pool_size: int = Field(default=10, gt=0, le=200)
    redis_url: str | None = None
    log_level: str = "INFO"
    log_json: bool = True

    # Secrets. ``data_keys`` is a key ring "version:base64key,version:base64key"; the active
    # version encrypts, every listed version decrypts (rotation).
    secret_key: str = DEV_SECRET_KEY
    data_keys: str = DEV_DATA_KEYS
    data_key_active: int = 1
    blind_index_key: str = DEV_BLIND_INDEX_KEY
    channel_callback_secret: str = DEV_CALLBACK_SECRET

    # Identity. Password hashing: argon2id, RFC 9106's second recommended (low-memory) profile
    # by default; outside development anything below OWASP's minimum is refused.
    password_hash_time_cost: int = Field(default=3, ge=1, le=20)
    password_hash_memory_kib: int = Field(default=65_536, ge=8, le=4_194_304)
    password_hash_parallelism: int = Field(default=4, ge=1, le=16)
    access_token_ttl_seconds: int = Field(default=15 * 60, gt=0)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, gt=0)
    require_contact_otp: bool | None = None  # None: on outside development
    login_max_failures: int = 5
    login_failure_window_seconds: int = 15 * 60
    login_lockout_seconds: int = 15 * 60
    rate_limit_per_ip: str = "120/minute"
    rate_limit_auth_per_ip: str = "20/minute"
    otp_ttl_seconds: int = 300
    oauth_providers: str = (
        ""  # JSON: {"name": {"client_id", "client_secret", "authorize_url", ...}}
    )
    minimum_age_years: int = 18
    # The largest request body accepted (413 beyond it); the largest legitimate one, a product
    # with its disclosure texts, is a few tens of KiB.
    max_request_body_bytes: int = Field(default=1_048_576, ge=1_024, le=64 * 1_048_576)

    currency: str = "CNY"

    # Embedded mode: the API process also runs the dispatcher and the scheduler.
    run_background_in_process: bool = True

    @property
    def is_development(self) -> bool:
        return self.environment in ("development", "test")

    @property
    def contact_otp_required(self) -> bool:
        if self.require_contact_otp is None:
            return not self.is_development
        return self.require_contact_otp

    @property
    def dialect(self) -> str:
        return self.database_url.split("+", 1)[0].split(":", 1)[0]

    @model_validator(mode="after")
    def refuse_default_secrets(self) -> Settings:
        if self.is_development:
            return self
        defaults = {
            "FINPLAT_SECRET_KEY": self.secret_key == DEV_SECRET_KEY,
            "FINPLAT_DATA_KEYS": self.data_keys == DEV_DATA_KEYS,
            "FINPLAT_BLIND_INDEX_KEY": self.blind_index_key == DEV_BLIND_INDEX_KEY,
            "FINPLAT_CHANNEL_CALLBACK_SECRET": self.channel_callback_secret == DEV_CALLBACK_SECRET,
        }
        if self.password_hash_memory_kib < 19_456 or self.password_hash_time_cost < 2:
            raise ValueError(
                "refusing to start with password hashing below argon2id's minimum "
                "(19 MiB memory, 2 passes)"
            )
        still_default = [name for name, is_default in defaults.items() if is_default]
        if still_default:
            raise ValueError(
                f"refusing to start in {self.environment} with development secrets: "
                + ", ".join(still_default)
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
