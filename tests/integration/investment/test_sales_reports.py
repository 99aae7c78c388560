"""Sales figures for reviewers and institutions, upcoming payouts and settlement movements:
who may see what, and an institution sees only its own products (another's is a 404)."""

from datetime import datetime, timedelta

from tests import factories
from tests.integration.investment.helpers import deposit, investor, order
from tests.integration.product.helpers import institution_headers, staff_headers


async def test_reviewer_sees_every_product_with_its_sales(app, client, db, clock, desk) -> None:
    product = await desk.publish(raise_target_minor=1_000_000)
    buyers = [await investor(db, now=clock.now()) for _ in range(2)]
    for amount, user_id in zip((300_000, 200_000), buyers, strict=True):
        response = await order(client, factories.bearer_for(app, user_id), product, amount)
        assert response.status_code == 201, response.text
    again = await order(client, factories.bearer_for(app, buyers[0]), product, 100_000)
    cancelled = await client.post(f"/api/v1/me/orders/{again.json()['id']}/cancel",
                                  headers=factories.bearer_for(app, buyers[0]))
    assert cancelled.status_code == 200, cancelled.text

    page = await client.get("/api/v1/admin/sales", headers=desk.reviewer)
    assert page.status_code == 200, page.text
    [item] = page.json()["items"]
    assert item["id"] == product["id"] and item["status"] == "raising"
    assert item["sold_minor"] == 500_000 and item["order_count"] == 2
    assert item["raise_progress_bps"] == 5_000
    assert item["orders_by_status"] == {"pending": 2, "confirmed": 0, "cancelled": 1,
                                        "refunded": 0}
    assert item["investors_count"] == 2 and item["holders_count"] == 0
    one = await client.get(f"/api/v1/admin/products/{product['id']}/sales", headers=desk.reviewer)
    assert one.json() == item

    auditor, _ = await staff_headers(app, db, clock.now(), role="auditor")
    assert (await client.get("/api/v1/admin/sales", headers=auditor)).status_code == 200
    for headers in (factories.bearer_for(app, buyers[0]), desk.institution):
        refused = await client.get("/api/v1/admin/sales", headers=headers)
        assert refused.status_code == 403, refused.text
    missing = await client.get("/api/v1/admin/products/999999/sales", headers=desk.reviewer)
    assert missing.status_code == 404 and missing.json()["code"] == "product.not_found"


async def test_an_institution_sees_only_its_own_sales(app, client, db, clock, desk) -> None:
    product = await desk.publish()
    buyer = await investor(db, now=clock.now())
    assert (await order(client, factories.bearer_for(app, buyer), product,
                        200_000)).status_code == 201
    own = await client.get("/api/v1/institution/sales", headers=desk.institution)
    assert [item["id"] for item in own.json()["items"]] == [product["id"]]
    detail = await client.get(f"/api/v1/institution/products/{product['id']}/sales",
                              headers=desk.institution)
    assert detail.status_code == 200 and detail.json()["investors_count"] == 1

    other, _, _ = await institution_headers(app, db, clock.now(), uscc="91110000600037341L")
    assert (await client.get("/api/v1/institution/sales", headers=other)).json()["items"] == []
    hidden = await client.get(f"/api/v1/institution/products/{product['id']}/sales",
                              headers=other)
    assert hidden.status_code == 404 and hidden.json()["code"] == "product.not_found"
    investor_headers = factories.bearer_for(app, buyer)
    refused = await client.get("/api/v1/institution/sales", headers=investor_headers)
    assert refused.status_code == 403 and refused.json()["code"] == "product.institution_required"


async def _raised_product(app, client, db, clock, desk) -> tuple[dict, list[int]]:  # type: ignore[no-untyped-def]
    product = await desk.publish(raise_target_minor=500_000, term_days=30)
    buyers = [await investor(db, now=clock.now()) for _ in range(2)]
    for user_id in buyers:
        assert (await order(client, factories.bearer_for(app, user_id), product,
                            300_000)).status_code == 201
    clock.set(datetime.fromisoformat(product["raise_end_at"]) + timedelta(minutes=1))
    closed = await client.post(f"/api/v1/admin/products/{product['id']}/close-raise",
                               headers=desk.reviewer)
    assert closed.status_code == 200 and closed.json()["status"] == "raised", closed.text
    return closed.json(), buyers


async def test_upcoming_payouts_and_settlement_movements(app, client, db, clock, desk) -> None:
    product, _buyers = await _raised_product(app, client, db, clock, desk)
    payouts = await client.get("/api/v1/institution/payouts", headers=desk.institution)
    assert payouts.status_code == 200, payouts.text
    [due] = payouts.json()["items"]
    assert due["product_id"] == product["id"] and due["maturity_date"] == product["maturity_date"]
    assert due["holders_count"] == 2 and due["principal_minor"] == 600_000
    settlement = await client.get("/api/v1/institution/settlement", headers=desk.institution)
    # 30 days at 4.90% on 300,000 fen is 1,208.2 fen, rounded down, for each holding.
    assert due["amount_due_minor"] == 2 * (300_000 + 1_208)
    assert settlement.json()["balance_minor"] == 600_000

    await deposit(db, user_id=desk.institution_user_id, amount_minor=50_000, now=clock.now())
    funded = await client.post("/api/v1/institution/settlement/fundings",
                               headers={**desk.institution, "Idempotency-Key": "fund-1"},
                               json={"amount_minor": 20_000})
    assert funded.status_code == 201, funded.text
    lines = (await client.get("/api/v1/institution/settlement/movements",
                              headers=desk.institution)).json()["items"]
    assert [(line["type"], line["direction"], line["amount_minor"]) for line in lines] == [
        ("settlement_funding", "in", 20_000), ("product_raise", "in", 600_000)]
    only = await client.get("/api/v1/institution/settlement/movements?type=funding",
                            headers=desk.institution)
    assert [line["type"] for line in only.json()["items"]] == ["settlement_funding"]
    bad = await client.get("/api/v1/institution/settlement/movements?type=bogus",
                           headers=desk.institution)
    assert bad.status_code == 422

    other, _, _ = await institution_headers(app, db, clock.now(), uscc="91110000600037341L")
    assert (await client.get("/api/v1/institution/payouts", headers=other)).json()["items"] == []
    none = await client.get("/api/v1/institution/settlement/movements", headers=other)
    assert none.status_code == 200 and none.json()["items"] == []


async def test_payout_schedule_pages_by_maturity_date(app, client, db, clock, desk) -> None:
    first = await desk.publish(raise_target_minor=100_000, term_days=60)
    second = await desk.publish(raise_target_minor=100_000, term_days=10)
    buyer = await investor(db, now=clock.now())
    for product in (first, second):
        assert (await order(client, factories.bearer_for(app, buyer), product,
                            100_000)).status_code == 201
    clock.set(datetime.fromisoformat(first["raise_end_at"]) + timedelta(minutes=1))
    for product in (first, second):
        closed = await client.post(f"/api/v1/admin/products/{product['id']}/close-raise",
                                   headers=desk.reviewer)
        assert closed.json()["status"] == "raised", closed.text
    page = await client.get("/api/v1/institution/payouts?limit=1", headers=desk.institution)
    assert [item["product_id"] for item in page.json()["items"]] == [second["id"]]
    cursor = page.json()["next_cursor"]
    rest = await client.get(f"/api/v1/institution/payouts?limit=1&cursor={cursor}",
                            headers=desk.institution)
    assert [item["product_id"] for item in rest.json()["items"]] == [first["id"]]
    assert rest.json()["next_cursor"] is None
    forged = await client.get("/api/v1/institution/payouts?cursor=eyJpZCI6MX0=",
                              headers=desk.institution)
    assert forged.status_code == 422
