"""Ids beyond BIGINT sent to the ledger endpoints are a 422 problem, never a 500 (found by the
API fuzzer: SQLite and PostgreSQL cannot bind them, the driver raised)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.factories import bearer_for, make_staff, make_user

BIGINT_MAX = 2**63 - 1
HUGE_IDS = [BIGINT_MAX + 1, 2**70]


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _assert_invalid(response, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation.invalid" and body["status"] == 422
    assert field in {error["field"] for error in body["errors"]} or field in body["detail"]


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_staff_calls_with_an_id_beyond_bigint_are_refused(client, app, db, clock, huge):
    admin_id, *_ = await make_staff(db, now=clock.now(), role="admin")
    staff = {**bearer_for(app, admin_id), "Idempotency-Key": "huge-id"}
    requests = [
        ("GET", f"/api/v1/admin/accounts/{huge}", None, "account_id"),
        ("POST", f"/api/v1/admin/accounts/{huge}/freeze", {"reason": "court"}, "account_id"),
        ("POST", f"/api/v1/admin/accounts/{huge}/unfreeze", {"reason": "court"}, "account_id"),
        ("POST", f"/api/v1/admin/accounts/{huge}/close", {"reason": "asked"}, "account_id"),
        ("POST", "/api/v1/admin/accounts/1/unfreeze", {"reason": "x", "hold_id": huge}, "hold_id"),
        ("GET", f"/api/v1/admin/accounts?owner_user_id={huge}", None, "owner_user_id"),
    ]
    for method, path, body, field in requests:
        _assert_invalid(await client.request(method, path, json=body, headers=staff), field)


@pytest.mark.parametrize("position", [{"id": BIGINT_MAX + 1}, {"id": -(2**70)}])
async def test_a_forged_cursor_beyond_bigint_is_refused(client, app, db, clock, position):
    customer = bearer_for(app, await make_user(db, now=clock.now()))
    admin_id, *_ = await make_staff(db, now=clock.now(), role="admin")
    cursor = _cursor(position)
    mine = await client.get(f"/api/v1/me/transactions?cursor={cursor}", headers=customer)
    _assert_invalid(mine, "cursor")
    listing = await client.get(
        f"/api/v1/admin/accounts?kind=customer_wallet&cursor={cursor}",
        headers=bearer_for(app, admin_id),
    )
    _assert_invalid(listing, "cursor")


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=0001-01-01", "from=1969-12-31"])
async def test_business_dates_before_1970_are_refused(client, app, db, clock, query):
    # Day 0001-01-01 starts at 0000-12-31T16:00Z in Shanghai: no datetime holds it (was a 500).
    customer = bearer_for(app, await make_user(db, now=clock.now()))
    response = await client.get(f"/api/v1/me/transactions?{query}", headers=customer)
    _assert_invalid(response, query.split("=")[0])
