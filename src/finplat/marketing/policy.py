"""Marketing figures an operator may change without a release (``FINPLAT_MARKETING_*``).

The points earning rate here is the default; a ``marketing_points_policy`` row with an
effective instant overrides it from then on.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MarketingPolicy(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FINPLAT_MARKETING_", env_file=".env",
                                      extra="ignore")

    points_per_yuan: Decimal = Field(default=Decimal("1"), ge=0, le=1000, decimal_places=4)


@lru_cache
def get_policy() -> MarketingPolicy:
    return MarketingPolicy()
