from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests import factories
from tests.integration.product.helpers import institution_headers, published_product, staff_headers


@dataclass
class Desk:
    """An institution and a reviewer who can put products on sale. Their headers are minted
    at the app clock's current time, so they stay valid when a test moves the clock."""

    app: Any
    institution_user_id: int
    institution_id: int
    reviewer_id: int
    publish: Callable[..., Awaitable[dict[str, Any]]]

    @property
    def institution(self) -> dict[str, str]:
        return factories.bearer_for(self.app, self.institution_user_id)

    @property
    def reviewer(self) -> dict[str, str]:
        return factories.bearer_for(self.app, self.reviewer_id)


@pytest.fixture
async def desk(app, client, db, clock) -> Desk:  # type: ignore[no-untyped-def]
    now = clock.now()
    _, user_id, institution_id = await institution_headers(app, db, now)
    _, reviewer_id = await staff_headers(app, db, now)

    async def publish(**changes: Any) -> dict[str, Any]:
        product = await published_product(
            client, desk.institution, desk.reviewer, clock.now(), **changes
        )
        return (await client.get(f"/api/v1/products/{product['id']}")).json()

    desk = Desk(app, user_id, institution_id, reviewer_id, publish)
    return desk
