"""Shared helpers for product and investment tests: institutions, reviewers, products."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from finplat.core.db import Database
from tests import factories


async def institution_headers(
    app: Any, db: Database, now: datetime, uscc: str = "91350100M000100Y43"
) -> tuple[dict[str, str], int, int]:
    """(headers, user_id, institution_id) of a verified institution user."""
    institution_id = await factories.make_institution(db, now=now, uscc=uscc)
    user_id = await factories.make_user(
        db, now=now, roles=("institution",), institution_id=institution_id
    )
    return factories.bearer_for(app, user_id), user_id, institution_id


async def staff_headers(
    app: Any, db: Database, now: datetime, role: str = "reviewer"
) -> tuple[dict[str, str], int]:
    user_id, _login, _password, _secret = await factories.make_staff(db, now=now, role=role)
    return factories.bearer_for(app, user_id), user_id


def product_body(now: datetime, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "稳健90天",
        "type": "fixed_income",
        "risk_level": "R2",
        "annual_rate": "0.0490",
        "term_days": 90,
        "min_amount_minor": 100_000,
        "step_amount_minor": 10_000,
        "max_per_investor_minor": 5_000_000,
        "raise_target_minor": 1_000_000,
        "raise_cap_minor": 10_000_000,
        "raise_start_at": now.isoformat(),
        "raise_end_at": (now + timedelta(days=3)).isoformat(),
        "disclosure": "产品说明书 v1",
        "risk_disclosure": "风险揭示书 v1",
    }
    body.update(changes)
    return body


async def published_product(
    client: httpx.AsyncClient,
    institution: dict[str, str],
    reviewer: dict[str, str],
    now: datetime,
    **changes: Any,
) -> dict[str, Any]:
    """Create, submit, approve and publish a product; returns its JSON."""
    response = await client.post(
        "/api/v1/products", json=product_body(now, **changes), headers=institution
    )
    assert response.status_code == 201, response.text
    product_id = response.json()["id"]
    for path, headers in (
        (f"/api/v1/products/{product_id}/submit", institution),
        (f"/api/v1/admin/products/{product_id}/approve", reviewer),
        (f"/api/v1/admin/products/{product_id}/publish", reviewer),
    ):
        response = await client.post(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
    return response.json()
