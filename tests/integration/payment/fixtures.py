"""Fixtures for the funds tests, used by this folder's conftest and by tests/e2e/test_funds*:
a verified investor with a bank card, the app's channel simulators, and callbacks delivered
over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.payment import runtime
from finplat.payment.channels import ChannelRegistry
from finplat.payment.simulator import SignedCallback, SimulatedChannel
from tests.factories import bearer_for, make_user


@pytest.fixture
def channels(app: Any) -> ChannelRegistry:
    return runtime.channels_of(app.state)


@pytest.fixture
def bank(channels: ChannelRegistry) -> SimulatedChannel:
    channel = channels.get("bank")
    assert isinstance(channel, SimulatedChannel)
    return channel


@pytest.fixture
def post_callback(client: httpx.AsyncClient) -> Callable[..., Any]:
    async def send(callback: SignedCallback) -> httpx.Response:
        response = await client.post(
            f"/api/v1/payments/callbacks/{callback.channel}",
            content=callback.body,
            headers=callback.headers,
        )
        assert response.status_code == 200, response.text
        return response

    return send


@pytest.fixture
async def investor(db: Database, clock: FrozenClock, app: Any) -> dict[str, Any]:
    user_id = await make_user(db, now=clock.now(), with_bank_card=True)
    return {"user_id": user_id, "headers": bearer_for(app, user_id)}
