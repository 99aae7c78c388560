"""Lending rules an operator may change without a release (``FINPLAT_LENDING_*``), and the dated
policy tables (REGULATORY.md "Lending limits").

The per-borrower outstanding caps and the LPR are *dated*: the figure in force on the contract
date applies, so that a change of policy never rewrites an application already decided. A
deployment adds a row to ``OUTSTANDING_CAPS`` (or ``apr.LPR_ONE_YEAR``) when the rule changes.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

INDIVIDUAL, COMPANY = "individual", "company"
BORROWER_KINDS = (INDIVIDUAL, COMPANY)

# (effective from, individual cap, company cap) in fen: the 2016 P2P measures' per-platform
# caps, the strictest reference and finplat's default (20万 and 100万 yuan).
OUTSTANDING_CAPS: tuple[tuple[date, int, int], ...] = (
    (date(2016, 8, 17), 20_000_000, 100_000_000),
)

# The listing's risk level (for investors' suitability) from the credit grade. Grade E is
# refused, so never listed; it maps to the highest level for completeness.
RISK_LEVEL_BY_GRADE = {"A": "R2", "B": "R3", "C": "R3", "D": "R4", "E": "R5"}


def outstanding_cap_on(day: date, borrower_kind: str) -> int:
    """The cap in force on ``day`` for an individual or a company (the latest row before it)."""
    in_force = [row for row in sorted(OUTSTANDING_CAPS) if row[0] <= day]
    row = in_force[-1] if in_force else sorted(OUTSTANDING_CAPS)[0]
    return row[1] if borrower_kind == INDIVIDUAL else row[2]


class LendingPolicy(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINPLAT_LENDING_", env_file=".env", extra="ignore"
    )

    # Which credit scorer decides applications of individuals (docs/LENDING.md): the trained
    # scorecard (risk/) or the documented rule-based scorer. Companies are always decided by
    # the rules (the scorecard was trained on individuals).
    credit_scorer: Literal["scorecard", "rules"] = "scorecard"
    # The cap on the all-in APR as a multiple of the one-year LPR (SPC, from 2020-08-20).
    apr_cap_multiple: int = Field(default=4, ge=1, le=10)
    # Bids: the smallest bid and the step above it (fen); a bid of exactly the remaining
    # amount is always allowed, so that a listing can be filled to the fen.
    min_bid_minor: int = Field(default=10_000, gt=0)  # 100 yuan
    bid_step_minor: int = Field(default=100, gt=0)  # 1 yuan
    # Listings expired per transaction by the daily job.
    expiry_batch: int = Field(default=50, gt=0, le=500)


@lru_cache
def get_policy() -> LendingPolicy:
    return LendingPolicy()
