"""Campaign, offer and user ids beyond BIGINT are a 422 problem, never a 500 (found by the API
fuzzer: the database driver could not bind them)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import bearer_for, make_staff, make_user

API = "/api/v1"
HUGE_IDS = [2**63, 2**70]


@pytest.mark.parametrize("huge", HUGE_IDS)
async def test_ids_beyond_bigint_are_refused(app, client, db, clock, huge) -> None:
    now = clock.now()
    admin_id, *_ = await make_staff(db, now=now, role="admin")
    admin = {**bearer_for(app, admin_id), "Idempotency-Key": "huge"}
    user = {**bearer_for(app, await make_user(db, now=now)), "Idempotency-Key": "huge"}
    offer = {"name": "满1000返10", "kind": "cashback", "cashback_minor": 1_000}
    requests = [
        (f"{API}/admin/campaigns/{huge}/fund", {"amount_minor": 100}, admin),
        (f"{API}/admin/campaigns/{huge}/close", None, admin),
        (f"{API}/admin/campaigns/{huge}/coupon-offers", offer, admin),
        (f"{API}/admin/coupons", {"offer_id": huge, "user_id": 1}, admin),
        (f"{API}/admin/coupons", {"offer_id": 1, "user_id": huge}, admin),
        (f"{API}/me/campaigns/{huge}/coupons/claim", None, user),
        (f"{API}/me/red-packets/{huge}/claim", None, user),
        (f"{API}/me/coupons/claim", {"offer_id": huge}, user),
        (f"{API}/me/points/redeem", {"offer_id": huge}, user),
    ]
    for path, body, headers in requests:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation.invalid"
    listed = await client.get(f"{API}/admin/campaigns", headers=admin)
    assert listed.json()["items"] == []


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
async def test_instants_outside_the_utc_calendar_are_refused(app, client, db, clock, instant):
    # Valid ISO 8601, but no datetime holds them in UTC: comparing them was an OverflowError.
    now = clock.now()
    admin_id, *_ = await make_staff(db, now=now, role="admin")
    admin = bearer_for(app, admin_id) | {"Accept-Language": "en"}
    later = (now + timedelta(days=1)).isoformat()
    requests = [
        (f"{API}/admin/campaigns", {"name": "x", "starts_at": instant, "ends_at": later}),
        (f"{API}/admin/campaigns", {"name": "x", "starts_at": now.isoformat(), "ends_at": instant}),
        (f"{API}/admin/points-policy", {"points_per_yuan": "1", "effective_at": instant}),
    ]
    for path, body in requests:
        response = await client.post(path, json=body, headers=admin)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "years 1 to 9999" in response.json()["detail"]
    assert (await client.get(f"{API}/admin/campaigns", headers=admin)).json()["items"] == []
