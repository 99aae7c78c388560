"""Investing rules an operator may change without a release (``FINPLAT_INVESTMENT_*``).

Figures follow REGULATORY.md "Investor suitability" (assessment validity; the 资管新规
qualified-investor tests).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class InvestmentPolicy(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINPLAT_INVESTMENT_", env_file=".env", extra="ignore"
    )

    assessment_valid_days: int = Field(default=365, gt=0, le=3 * 366)
    # Qualified investor: experience plus household net financial assets, or financial assets,
    # or own three-year average income (fen).
    qualified_experience_years: int = Field(default=2, ge=0)
    qualified_net_financial_assets_minor: int = Field(default=300_000_000, gt=0)  # 300万
    qualified_financial_assets_minor: int = Field(default=500_000_000, gt=0)  # 500万
    qualified_average_income_minor: int = Field(default=40_000_000, gt=0)  # 40万
    # Batch sizes for the daily jobs (rows per transaction). Each chunk is a few set-based
    # statements. A raise settlement's chunk binds its orders' and holds' ids (at most twice
    # per statement), so its maximum keeps one statement under PostgreSQL's 32,767 bind
    # parameters (the ledger posts at most 10,000 holds at once); its default stays at 1,000
    # because the investment points of a chunk are awarded with a CASE per investor, whose
    # work grows with the square of the chunk. Accrual rows are computed in the database, so
    # its bound is the locks one transaction holds.
    accrual_chunk_size: int = Field(default=10_000, gt=0, le=50_000)
    payout_chunk_size: int = Field(default=1_000, gt=0, le=10_000)
    # A maturity payout's chunk: its rows are computed in the database (no bind parameter per
    # holding), so the bound is the locks one transaction holds.
    maturity_chunk_size: int = Field(default=5_000, gt=0, le=20_000)


@lru_cache
def get_policy() -> InvestmentPolicy:
    return InvestmentPolicy()
