"""Marketing over HTTP: an admin runs a campaign; users claim red packets and coupons."""

from datetime import timedelta

from tests.factories import bearer_for, make_staff, make_user

API = "/api/v1"


async def _admin(app, db, now):  # type: ignore[no-untyped-def]
    admin_id, *_ = await make_staff(db, now=now, role="admin")
    return bearer_for(app, admin_id)


async def _campaign(client, admin, now, *, budget_minor: int,  # type: ignore[no-untyped-def]
                    red_packet_minor: int | None):
    created = await client.post(f"{API}/admin/campaigns", headers=admin, json={
        "name": "开门红", "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=10)).isoformat(),
        "red_packet_amount_minor": red_packet_minor})
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    funded = await client.post(f"{API}/admin/campaigns/{campaign_id}/fund",
                               headers={**admin, "Idempotency-Key": f"fund-{campaign_id}"},
                               json={"amount_minor": budget_minor})
    assert funded.status_code == 200, funded.text
    assert funded.json()["available_minor"] == budget_minor
    return campaign_id


async def test_red_packet_journey(app, client, db, clock) -> None:
    now = clock.now()
    admin = await _admin(app, db, now)
    campaign_id = await _campaign(client, admin, now, budget_minor=1_500, red_packet_minor=1_000)
    first = bearer_for(app, await make_user(db, now=now))
    second = bearer_for(app, await make_user(db, now=now))
    path = f"{API}/me/red-packets/{campaign_id}/claim"

    missing_key = await client.post(path, headers=first)
    assert missing_key.status_code == 422
    claimed = await client.post(path, headers={**first, "Idempotency-Key": "rp-1"})
    assert claimed.status_code == 201, claimed.text
    assert claimed.json()["amount_minor"] == 1_000
    assert claimed.json()["currency"] == "CNY"
    replay = await client.post(path, headers={**first, "Idempotency-Key": "rp-1"})
    assert (replay.status_code, replay.json()) == (201, claimed.json())
    again = await client.post(path, headers={**first, "Idempotency-Key": "rp-2"})
    assert again.status_code == 409
    assert again.json()["code"] == "marketing.already_claimed"
    exhausted = await client.post(path, headers={**second, "Idempotency-Key": "rp-3"})
    assert exhausted.status_code == 409
    assert exhausted.headers["content-type"].startswith("application/problem+json")
    assert exhausted.json()["code"] == "marketing.budget_exhausted"
    # a remembered failure replays as the same problem
    replayed = await client.post(path, headers={**second, "Idempotency-Key": "rp-3"})
    assert (replayed.status_code, replayed.json()["code"]) == (409, "marketing.budget_exhausted")

    listed = await client.get(f"{API}/admin/campaigns", headers=admin)
    assert listed.status_code == 200
    [campaign] = listed.json()["items"]
    assert (campaign["funded_minor"], campaign["available_minor"]) == (1_500, 500)
    closed = await client.post(f"{API}/admin/campaigns/{campaign_id}/close",
                               headers={**admin, "Idempotency-Key": "close-1"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["returned_minor"]) == ("closed", 500)


async def test_coupons_and_points_journey(app, client, db, clock) -> None:
    now = clock.now()
    admin = await _admin(app, db, now)
    campaign_id = await _campaign(client, admin, now, budget_minor=100_000,
                                  red_packet_minor=None)
    offer = await client.post(f"{API}/admin/campaigns/{campaign_id}/coupon-offers", headers=admin,
                              json={"name": "满1000返10", "kind": "cashback",
                                    "cashback_minor": 1_000, "min_order_minor": 100_000,
                                    "valid_days": 30, "user_claimable": True})
    assert offer.status_code == 201, offer.text
    mixed = await client.post(f"{API}/admin/campaigns/{campaign_id}/coupon-offers", headers=admin,
                              json={"name": "bad", "kind": "cashback", "cashback_minor": 1_000,
                                    "rate_boost_bps": 50})
    assert mixed.status_code == 422
    user_id = await make_user(db, now=now)
    user = bearer_for(app, user_id)

    campaigns = await client.get(f"{API}/campaigns", headers=user)
    assert [o["id"] for o in campaigns.json()["items"][0]["offers"]] == [offer.json()["id"]]
    claimed = await client.post(f"{API}/me/coupons/claim", headers=user,
                                json={"offer_id": offer.json()["id"]})
    assert claimed.status_code == 201, claimed.text
    twice = await client.post(f"{API}/me/coupons/claim", headers=user,
                              json={"offer_id": offer.json()["id"]})
    assert twice.status_code == 409
    boost = await client.post(f"{API}/admin/campaigns/{campaign_id}/coupon-offers",
                              headers=admin,
                              json={"name": "加息1%", "kind": "rate_boost", "rate_boost_bps": 100,
                                    "rate_boost_cap_minor": 5_000, "user_claimable": True})
    assert boost.status_code == 201, boost.text
    per_campaign = await client.post(f"{API}/me/campaigns/{campaign_id}/coupons/claim",
                                     headers=user)
    assert per_campaign.status_code == 201, per_campaign.text
    assert [c["offer_id"] for c in per_campaign.json()] == [boost.json()["id"]]
    nothing_left = await client.post(f"{API}/me/campaigns/{campaign_id}/coupons/claim",
                                     headers=user)
    assert nothing_left.json()["code"] == "marketing.already_claimed"
    issued = await client.post(f"{API}/admin/coupons", headers=admin,
                               json={"offer_id": offer.json()["id"], "user_id": user_id})
    assert issued.status_code == 201, issued.text
    assert (await client.post(f"{API}/admin/coupons", headers=user, json={
        "offer_id": offer.json()["id"], "user_id": user_id})).status_code == 403

    mine = await client.get(f"{API}/me/coupons", headers=user, params={"limit": 2})
    assert mine.status_code == 200
    assert len(mine.json()["items"]) == 2 and mine.json()["next_cursor"]
    rest = await client.get(f"{API}/me/coupons", headers=user,
                            params={"cursor": mine.json()["next_cursor"]})
    sources = {c["source"] for c in mine.json()["items"] + rest.json()["items"]}
    assert sources == {"claim", "staff"} and len(rest.json()["items"]) == 1
    assert all(c["status"] == "available" for c in rest.json()["items"])
    clock.advance(timedelta(days=31))
    user = bearer_for(app, user_id)
    expired = await client.get(f"{API}/me/coupons", headers=user)
    assert {c["status"] for c in expired.json()["items"]} == {"expired"}

    balance = await client.get(f"{API}/me/points", headers=user)
    assert balance.status_code == 200
    assert balance.json()["balance_points"] == 0
    assert balance.json()["points_per_yuan"] == "1"
    assert (await client.get(f"{API}/me/points")).status_code == 401


async def test_only_admins_run_campaigns(app, client, db, clock) -> None:
    now = clock.now()
    user = bearer_for(app, await make_user(db, now=now))
    assert (await client.get(f"{API}/admin/campaigns", headers=user)).status_code == 403
    admin = await _admin(app, db, now)
    bad_window = await client.post(f"{API}/admin/campaigns", headers=admin, json={
        "name": "x", "starts_at": now.isoformat(), "ends_at": now.isoformat()})
    assert bad_window.status_code == 422
    unknown = await client.post(f"{API}/admin/campaigns/999/fund",
                                headers={**admin, "Idempotency-Key": "f"},
                                json={"amount_minor": 100})
    assert unknown.status_code == 404
    negative = await client.post(f"{API}/admin/campaigns/999/fund",
                                 headers={**admin, "Idempotency-Key": "g"},
                                 json={"amount_minor": -1})
    assert negative.status_code == 422


async def test_concurrent_http_red_packet_claims_stop_at_the_budget(app, client, db,
                                                                     clock) -> None:
    import asyncio

    now = clock.now()
    admin = await _admin(app, db, now)
    campaign_id = await _campaign(client, admin, now, budget_minor=3_000, red_packet_minor=1_000)
    users = [bearer_for(app, await make_user(db, now=now)) for _ in range(7)]
    responses = await asyncio.gather(*(
        client.post(f"{API}/me/red-packets/{campaign_id}/claim",
                    headers={**user, "Idempotency-Key": f"race-{n}"})
        for n, user in enumerate(users)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 3 + [409] * 4, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "marketing.budget_exhausted"}
    listed = await client.get(f"{API}/admin/campaigns", headers=admin)
    assert listed.json()["items"][0]["available_minor"] == 0


async def test_points_policy_and_history(app, client, db, clock) -> None:
    from finplat.marketing import service

    now = clock.now()
    admin = await _admin(app, db, now)
    user_id = await make_user(db, now=now)
    user = bearer_for(app, user_id)
    policy = await client.post(f"{API}/admin/points-policy", headers=admin, json={
        "points_per_yuan": "2.5", "effective_at": now.isoformat()})
    assert policy.status_code == 201, policy.text
    assert policy.json()["points_per_yuan"] == "2.5"
    past = await client.post(f"{API}/admin/points-policy", headers=admin, json={
        "points_per_yuan": "3", "effective_at": (now - timedelta(days=1)).isoformat()})
    assert past.status_code == 422
    assert (await client.post(f"{API}/admin/points-policy", headers=user, json={
        "points_per_yuan": "3", "effective_at": now.isoformat()})).status_code == 403
    for order_id in (1, 2, 3):
        await db.run(lambda s, order_id=order_id: service.award_points_for_investment(
            s, user_id=user_id, order_id=order_id, amount_minor=100_000, now=now))
    summary = await client.get(f"{API}/me/points", headers=user)
    assert summary.json()["balance_points"] == 7_500
    assert summary.json()["points_per_yuan"] == "2.5"
    page = await client.get(f"{API}/me/points/entries", headers=user, params={"limit": 2})
    assert [e["balance_after_points"] for e in page.json()["items"]] == [7_500, 5_000]
    rest = await client.get(f"{API}/me/points/entries", headers=user,
                            params={"cursor": page.json()["next_cursor"]})
    assert [e["reference"] for e in rest.json()["items"]] == ["investment:1"]
