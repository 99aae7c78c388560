"""Fund statistics by business day, computed from real deposits and withdrawals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from finplat.core.db import Database
from finplat.payment.simulator import SimulatedChannel
from tests.factories import bearer_for, make_staff
from tests.integration.payment.helpers import deposit, withdraw


async def test_daily_funds(
    client: httpx.AsyncClient,
    db: Database,
    clock: Any,
    app: Any,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    clock.advance(-timedelta(days=1))  # 1 March
    await deposit(client, bearer_for(app, investor["user_id"]), 100_000)
    await bank.deliver_pending(post_callback)
    clock.advance(timedelta(days=1))  # 2 March
    headers = bearer_for(app, investor["user_id"])
    await deposit(client, headers, 50_000)
    await bank.deliver_pending(post_callback)
    await withdraw(client, headers, 30_000)
    await bank.deliver_pending(post_callback)
    await withdraw(client, headers, 1_000)  # held, not yet paid out: not an outflow yet

    staff_id, *_ = await make_staff(db, now=clock.now(), role="auditor")
    response = await client.get(
        "/api/v1/admin/stats/funds?from=2026-03-01&to=2026-03-04", headers=bearer_for(app, staff_id)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    days = [
        (
            d["business_date"],
            d["deposits_minor"],
            d["withdrawals_minor"],
            d["net_inflow_minor"],
            d["customer_balance_minor"],
        )
        for d in body["days"]
    ]
    assert days == [
        ("2026-03-01", 100_000, 0, 100_000, 100_000),
        ("2026-03-02", 50_000, 30_000, 20_000, 120_000),
        ("2026-03-03", 0, 0, 0, 120_000),
    ]
    assert (body["deposits_minor"], body["withdrawals_minor"], body["net_inflow_minor"]) == (
        150_000,
        30_000,
        120_000,
    )


async def test_access_and_bounds(
    client: httpx.AsyncClient, db: Database, clock: Any, app: Any, investor: dict[str, Any]
) -> None:
    url = "/api/v1/admin/stats/funds?from={}&to={}"
    assert (
        await client.get(url.format("2026-03-01", "2026-03-02"), headers=investor["headers"])
    ).status_code == 403
    staff_id, *_ = await make_staff(db, now=clock.now(), role="admin")
    headers = bearer_for(app, staff_id)
    for start, end in (
        ("2026-03-02", "2026-03-02"),
        ("2026-01-01", "2026-12-31"),
        ("x", "2026-03-02"),
    ):
        assert (await client.get(url.format(start, end), headers=headers)).status_code == 422
    assert (await client.get("/api/v1/admin/stats/funds", headers=headers)).status_code == 422
