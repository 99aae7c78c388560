"""Unit of work: the session a use case runs in (``Database.transaction``, ``Database.run``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database, is_retryable

UnitOfWork = AsyncSession

__all__ = ["Database", "UnitOfWork", "is_retryable"]
