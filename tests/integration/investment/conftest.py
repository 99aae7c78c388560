from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.product.helpers import institution_headers, published_product, staff_headers


@dataclass
class Desk:
    """An institution and a reviewer who can put products on sale."""

    institution: dict[str, str]
    institution_user_id: int
    institution_id: int
    reviewer: dict[str, str]
    reviewer_id: int
    publish: Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def desk(app, client, db, clock) -> Desk:  # type: ignore[no-untyped-def]
    now = clock.now()
    institution, user_id, institution_id = await institution_headers(app, db, now)
    reviewer, reviewer_id = await staff_headers(app, db, now)

    async def publish(**changes: Any) -> dict[str, Any]:
        product = await published_product(client, institution, reviewer, clock.now(), **changes)
        return (await client.get(f"/api/v1/products/{product['id']}")).json()

    return Desk(institution, user_id, institution_id, reviewer, reviewer_id, publish)
