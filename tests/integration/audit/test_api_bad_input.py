"""An actor id or cursor beyond BIGINT is a 422 problem, never a 500 (found by the API fuzzer)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.factories import bearer_for, make_staff


@pytest.mark.parametrize(
    "params",
    [
        {"actor_id": 2**63},
        {"actor_id": 2**70},
        {"cursor": base64.urlsafe_b64encode(json.dumps({"id": 2**63}).encode()).decode()},
    ],
)
async def test_numbers_beyond_bigint_are_refused(app, client, db, clock, params) -> None:
    auditor_id, *_ = await make_staff(db, now=clock.now(), role="auditor")
    response = await client.get(
        "/api/v1/admin/audit", params=params, headers=bearer_for(app, auditor_id)
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation.invalid"


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
async def test_instants_outside_the_utc_calendar_are_refused(app, client, db, clock, instant):
    auditor_id, *_ = await make_staff(db, now=clock.now(), role="auditor")
    response = await client.get(
        "/api/v1/admin/audit", params={"from": instant}, headers=bearer_for(app, auditor_id)
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "from", "message": "must fall within the years 1 to 9999 in UTC"}
    ]
