"""Reads of lending tables for other packages (risk's drift check of the credit scorecard)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.lending.models import Application


async def scorecard_inputs(
    session: AsyncSession, *, model_version: str, since: datetime, until: datetime, limit: int
) -> list[dict[str, Any]]:
    """The scorecard's raw inputs (``risk.applicant.applicant_inputs``) of the applications
    decided by scorecard ``model_version`` in ``[since, until)``, the most recent ``limit``.
    An application without stored features (a rule decision) is left out."""
    rows = (await session.scalars(
        select(Application.decision_inputs)
        .where(Application.scorer == "scorecard", Application.model_version == model_version,
               Application.created_at >= since, Application.created_at < until)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(limit))).all()
    found = []
    for stored in rows:
        features = (json.loads(stored or "{}").get("inputs") or {}).get("features")
        if isinstance(features, dict):
            found.append(features)
    return found
