"""Servicing rules an operator may change without a release (``FINPLAT_LENDING_*``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServicingPolicy(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINPLAT_LENDING_", env_file=".env", extra="ignore"
    )

    # Days past due after which the risk reserve pays the investors and takes the claim over.
    compensation_days: int = Field(default=30, ge=1, le=365)
    # Borrowers are reminded this many days before an installment falls due.
    reminder_days: int = Field(default=3, ge=1, le=30)
    # Loans per transaction of the daily jobs. A loan of the repayment day takes one posting
    # per claim, written by the database from the chunk's receipts and claims (a constant
    # number of statements per chunk): this bounds the transaction and how long it holds the
    # investors' wallets locked.
    collection_chunk_loans: int = Field(default=200, gt=0, le=1_000)
    overdue_chunk_loans: int = Field(default=200, gt=0, le=1_000)


@lru_cache
def get_policy() -> ServicingPolicy:
    return ServicingPolicy()
