"""Product rules an operator may change without a release (``FINPLAT_PRODUCT_*``).

Figures follow REGULATORY.md: the per-product minimums for qualified-investor-only products
(资管新规) and the bounds a product definition must respect.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProductPolicy(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINPLAT_PRODUCT_", env_file=".env", extra="ignore"
    )

    # Minimum subscription of a qualified-investors-only product, by product type (fen).
    qualified_min_fixed_income_minor: int = Field(default=30_000_000, gt=0)  # 30万
    qualified_min_mixed_minor: int = Field(default=40_000_000, gt=0)  # 40万
    qualified_min_equity_minor: int = Field(default=100_000_000, gt=0)  # 100万
    qualified_min_derivative_minor: int = Field(default=100_000_000, gt=0)  # 100万
    # Orders processed per transaction when a raise is settled or refunded.
    settlement_chunk_size: int = Field(default=200, gt=0, le=10_000)

    def qualified_minimum_minor(self, product_type: str) -> int:
        return {
            "fixed_income": self.qualified_min_fixed_income_minor,
            "mixed": self.qualified_min_mixed_minor,
            "equity": self.qualified_min_equity_minor,
            "derivative": self.qualified_min_derivative_minor,
        }[product_type]


@lru_cache
def get_policy() -> ProductPolicy:
    return ProductPolicy()
