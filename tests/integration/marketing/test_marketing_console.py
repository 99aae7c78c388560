"""What marketing staff see of a campaign (coupons issued and used, red packets, spend), the
points rules, a user's own red packets, and who may see and run them."""

from datetime import timedelta

from finplat.marketing import claims, service
from tests.factories import bearer_for, make_staff, make_user
from tests.integration.marketing.conftest import make_campaign, make_offer

API = "/api/v1"


async def _staff(app, db, now, role):  # type: ignore[no-untyped-def]
    user_id, *_ = await make_staff(db, now=now, role=role)
    return bearer_for(app, user_id)


async def test_campaign_report_counts_coupons_red_packets_and_spend(app, client, db,
                                                                     clock) -> None:
    now = clock.now()
    marketer = await _staff(app, db, now, "marketing")
    campaign_id = await make_campaign(db, now=now, budget_minor=20_000, red_packet_minor=500)
    offer_id = await make_offer(db, now=now, campaign_id=campaign_id, cashback_minor=1_000,
                                min_order_minor=0, valid_days=5)
    users = [await make_user(db, now=now) for _ in range(3)]
    for user_id in users[:2]:
        claimed = await client.post(f"{API}/me/red-packets/{campaign_id}/claim",
                                    headers={**bearer_for(app, user_id),
                                             "Idempotency-Key": f"rp-{user_id}"})
        assert claimed.status_code == 201, claimed.text
    coupons = [await db.run(lambda s, u=u: claims.issue_coupon(
        s, offer_id=offer_id, user_id=u, actor_id=1, now=now)) for u in users]
    for order_id, (coupon, user_id) in enumerate(zip(coupons[:2], users[:2], strict=True),
                                                 start=900):
        await db.run(lambda s, c=coupon, u=user_id, o=order_id: service.reserve_coupon(
            s, user_id=u, coupon_id=c.id, order_id=o, product_id=1,
            order_amount_minor=100_000, now=now))
    await db.run(lambda s: service.settle_coupon(s, order_id=900, now=now))

    clock.set(now + timedelta(days=6))
    now = clock.now()
    marketer = await _staff(app, db, now, "marketing")  # a token minted after the clock moved
    report = await client.get(f"{API}/admin/campaigns/{campaign_id}", headers=marketer)
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["red_packets_claimed"], body["red_packets_paid_minor"]) == (2, 1_000)
    [offer] = body["offers"]
    # one used (cash-back paid), one held by a pending order, one left unused past its time
    assert offer["coupons"] == {"issued": 3, "available": 0, "reserved": 1, "used": 1,
                                "expired": 1, "paid_minor": 1_000}
    assert (body["funded_minor"], body["reserved_minor"], body["spent_minor"]) == (
        20_000, 1_000, 2_000)
    assert body["available_minor"] == 20_000 - 2_000 - 1_000
    listed = await client.get(f"{API}/admin/campaigns", headers=marketer)
    assert listed.json()["items"][0]["spent_minor"] == 2_000

    missing = await client.get(f"{API}/admin/campaigns/999999", headers=marketer)
    assert missing.status_code == 404 and missing.json()["code"] == "marketing.campaign_not_found"
    auditor = await _staff(app, db, now, "auditor")
    assert (await client.get(f"{API}/admin/campaigns/{campaign_id}",
                             headers=auditor)).status_code == 200
    for role in ("reviewer", "support"):
        refused = await client.get(f"{API}/admin/campaigns/{campaign_id}",
                                   headers=await _staff(app, db, now, role))
        assert refused.status_code == 403 and refused.json()["code"] == "auth.forbidden"
    investor = await client.get(f"{API}/admin/campaigns",
                                headers=bearer_for(app, await make_user(db, now=now)))
    assert investor.status_code == 403


async def test_marketing_staff_run_campaigns_but_auditors_only_read(app, client, db,
                                                                    clock) -> None:
    now = clock.now()
    marketer = await _staff(app, db, now, "marketing")
    body = {"name": "双十一", "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=3)).isoformat()}
    created = await client.post(f"{API}/admin/campaigns", headers=marketer, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["spent_minor"] == 0
    auditor = await _staff(app, db, now, "auditor")
    refused = await client.post(f"{API}/admin/campaigns", headers=auditor, json=body)
    assert refused.status_code == 403
    closed = await client.post(f"{API}/admin/campaigns/{created.json()['id']}/close",
                               headers={**marketer, "Idempotency-Key": "c-1"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


async def test_points_rules_list_marks_the_one_in_force(app, client, db, clock) -> None:
    now = clock.now()
    marketer = await _staff(app, db, now, "marketing")
    empty = await client.get(f"{API}/admin/points-policy", headers=marketer)
    assert empty.status_code == 200 and empty.json()["items"] == []
    for rate, delay in (("2", timedelta(0)), ("3.5", timedelta(days=2))):
        created = await client.post(f"{API}/admin/points-policy", headers=marketer, json={
            "points_per_yuan": rate, "effective_at": (now + delay).isoformat()})
        assert created.status_code == 201, created.text
    rules = (await client.get(f"{API}/admin/points-policy", headers=marketer)).json()["items"]
    assert [(r["points_per_yuan"], r["in_force"], r["upcoming"]) for r in rules] == [
        ("3.5", False, True), ("2", True, False)]
    clock.set(now + timedelta(days=3))
    marketer = await _staff(app, db, clock.now(), "marketing")
    rules = (await client.get(f"{API}/admin/points-policy", headers=marketer)).json()["items"]
    assert [(r["points_per_yuan"], r["in_force"]) for r in rules] == [("3.5", True),
                                                                      ("2", False)]
    page = await client.get(f"{API}/admin/points-policy?limit=1", headers=marketer)
    rest = await client.get(f"{API}/admin/points-policy?limit=1&cursor="
                            f"{page.json()['next_cursor']}", headers=marketer)
    assert [r["points_per_yuan"] for r in rest.json()["items"]] == ["2"]
    user = bearer_for(app, await make_user(db, now=clock.now()))
    assert (await client.get(f"{API}/admin/points-policy", headers=user)).status_code == 403


async def test_my_red_packets_lists_only_mine(app, client, db, clock) -> None:
    now = clock.now()
    first = await make_campaign(db, now=now, budget_minor=10_000, red_packet_minor=300)
    second = await make_campaign(db, now=now, budget_minor=10_000, red_packet_minor=700)
    offer_id = await make_offer(db, now=now, campaign_id=second, min_order_minor=0)
    me, other = await make_user(db, now=now), await make_user(db, now=now)
    for campaign_id in (first, second):
        for user_id in (me, other):
            response = await client.post(
                f"{API}/me/red-packets/{campaign_id}/claim",
                headers={**bearer_for(app, user_id), "Idempotency-Key": f"{campaign_id}-{user_id}"})
            assert response.status_code == 201, response.text
    # a claimed coupon is a claim too, but not a red packet
    await db.run(lambda s: claims.claim_coupon(s, offer_id=offer_id, user_id=me, now=now))
    mine = await client.get(f"{API}/me/red-packets?limit=1", headers=bearer_for(app, me))
    assert mine.status_code == 200, mine.text
    [newest] = mine.json()["items"]
    assert (newest["campaign_id"], newest["amount_minor"], newest["campaign_name"]) == (
        second, 700, "春节红包")
    rest = await client.get(f"{API}/me/red-packets?limit=5&cursor={mine.json()['next_cursor']}",
                            headers=bearer_for(app, me))
    assert [(r["campaign_id"], r["amount_minor"]) for r in rest.json()["items"]] == [(first, 300)]
    assert rest.json()["next_cursor"] is None
    assert (await client.get(f"{API}/me/red-packets")).status_code == 401
