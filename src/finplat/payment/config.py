"""Payment policy figures an operator may change without a release (``FINPLAT_PAYMENT_`` prefix)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
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
    # Recovery of unfinished orders (``finplat.payment.recovery``), continuous:
    # - the loop looks for them every ``recovery_interval_seconds``;
    # - an order younger than ``recovery_grace_seconds`` is left to the request that opened it
    #   (its hand-over is bounded by ``channel_timeout_ms``);
    # - once looked at, an order is left alone for ``recovery_retry_seconds`` (the lease that
    #   keeps two loops off one order, and the wait for an outcome after a resubmission);
    # - an order its channel never received is handed over again until it is
    #   ``recovery_give_up_minutes`` old, then failed (a withdrawal's hold voided).
    recovery_interval_seconds: int = Field(default=20, gt=0, le=3_600)
    recovery_grace_seconds: int = Field(default=30, gt=0, le=3_600)
    recovery_retry_seconds: int = Field(default=60, gt=0, le=3_600)
    recovery_give_up_minutes: int = Field(default=60, gt=0, le=7 * 24 * 60)
    recovery_batch_size: int = Field(default=100, gt=0, le=1_000)
    # Embedded simulator: delay before it calls back (ms).
    simulator_callback_delay_ms: int = Field(default=50, ge=0, le=60_000)

    @model_validator(mode="after")
    def _recovery_outlasts_channel_calls(self) -> PaymentSettings:
        # A loop must be done with an order (a status query, a hand-over) long before its lease
        # runs out, and must not take up an order whose own request is still handing it over.
        for name in ("recovery_grace_seconds", "recovery_retry_seconds"):
            if getattr(self, name) * 1000 < 5 * self.channel_timeout_ms:
                raise ValueError(f"{name} must be at least 5 channel timeouts")
        return self

    def fee_for(self, channel: str) -> int:
        return int(self.withdrawal_fee_minor.get(channel, 0))


@lru_cache
def get_payment_settings() -> PaymentSettings:
    return PaymentSettings()
