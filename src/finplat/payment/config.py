"""Payment policy figures an operator may change without a release (``FINPLAT_PAYMENT_`` prefix)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CHANNELS = ("bank", "thirdparty")


class PaymentSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINPLAT_PAYMENT_", env_file=".env", extra="ignore"
    )

    # Per-request amount bounds (fen). The API schema has a hard outer bound as well.
    deposit_min_minor: int = Field(default=100, gt=0)
    deposit_max_minor: int = Field(default=500_000_000, gt=0)  # ¥5,000,000
    withdrawal_min_minor: int = Field(default=100, gt=0)
    withdrawal_max_minor: int = Field(default=500_000_000, gt=0)
    # Fee charged to the customer per withdrawal, by channel, in fen (a fee revenue leg).
    withdrawal_fee_minor: dict[str, int] = Field(
        default_factory=lambda: {"bank": 0, "thirdparty": 0}
    )
    default_withdrawal_channel: str = "bank"
    # Every call to a channel is bounded.
    channel_timeout_ms: int = Field(default=3_000, gt=0, le=60_000)
    # A callback whose timestamp is further than this from our clock is refused (replay window).
    callback_tolerance_seconds: int = Field(default=300, gt=0, le=3_600)
    # Per-channel callback secrets; a channel missing here uses FINPLAT_CHANNEL_CALLBACK_SECRET.
    channel_secrets: dict[str, str] = Field(default_factory=dict)
    # Orders still waiting for their channel this long are handed to it again (the channel
    # recognises our reference, so this is harmless when it already has them).
    resubmit_after_minutes: int = Field(default=10, gt=0, le=7 * 24 * 60)
    # Embedded simulator: delay before it calls back (ms).
    simulator_callback_delay_ms: int = Field(default=50, ge=0, le=60_000)

    def fee_for(self, channel: str) -> int:
        return int(self.withdrawal_fee_minor.get(channel, 0))


@lru_cache
def get_payment_settings() -> PaymentSettings:
    return PaymentSettings()
