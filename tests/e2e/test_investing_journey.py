"""An investor's whole journey over HTTP: a product is drafted, reviewed and published; the
investor takes the risk test, reads the disclosures, buys, and is paid at maturity."""

from datetime import date, datetime, timedelta

from finplat.core.clock import business_day_start
from tests import factories
from tests.integration.investment.helpers import answers_for, deposit, wallet_balance
from tests.integration.product.helpers import institution_headers, product_body, staff_headers


async def test_from_draft_to_payout(app, client, db, clock) -> None:
    now = clock.now()
    _, institution_user, _ = await institution_headers(app, db, now)
    _, reviewer_id = await staff_headers(app, db, now)
    investor_id = await factories.make_user(db, now=now)
    await deposit(db, user_id=investor_id, amount_minor=2_000_000, now=now)

    def institution() -> dict[str, str]:
        return factories.bearer_for(app, institution_user)

    def reviewer() -> dict[str, str]:
        return factories.bearer_for(app, reviewer_id)

    def me() -> dict[str, str]:
        return factories.bearer_for(app, investor_id)

    # The institution drafts an R3 product; a reviewer approves and publishes it.
    draft = await client.post(
        "/api/v1/products",
        headers=institution(),
        json=product_body(
            now,
            name="进取180天",
            risk_level="R3",
            annual_rate="0.0520",
            term_days=180,
            raise_target_minor=500_000,
            raise_cap_minor=5_000_000,
        ),
    )
    assert draft.status_code == 201, draft.text
    pid = draft.json()["id"]
    assert (
        await client.post(f"/api/v1/products/{pid}/submit", headers=institution())
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/admin/products/{pid}/approve", headers=reviewer())
    ).status_code == 200
    assert (
        await client.post(f"/api/v1/admin/products/{pid}/publish", headers=reviewer())
    ).status_code == 200

    # The investor finds it, cannot buy before the risk test, takes it (C2), and confirms the
    # product's mismatch warning to buy above their level.
    listing = (await client.get("/api/v1/products?risk_level=R3")).json()["items"]
    assert [p["id"] for p in listing] == [pid]
    product = (await client.get(f"/api/v1/products/{pid}")).json()
    disclosure_version = product["disclosures"]["risk_disclosure"]["version"]
    body = {"amount_minor": 1_000_000, "disclosure_version": disclosure_version}
    refused = await client.post(
        f"/api/v1/products/{pid}/orders", json=body, headers={**me(), "Idempotency-Key": "o-1"}
    )
    assert refused.json()["code"] == "investment.assessment_required"
    form = (await client.get("/api/v1/risk-assessment/questionnaire")).json()
    graded = await client.post(
        "/api/v1/me/risk-assessment",
        headers=me(),
        json={"version": form["version"], "answers": answers_for("C2")},
    )
    assert graded.json()["risk_level"] == "C2"
    mismatch = await client.post(
        f"/api/v1/products/{pid}/orders", json=body, headers={**me(), "Idempotency-Key": "o-2"}
    )
    assert mismatch.status_code == 403 and mismatch.json()["can_acknowledge"] is True
    warning = product["disclosures"]["mismatch_warning"]["version"]
    bought = await client.post(
        f"/api/v1/products/{pid}/orders",
        headers={**me(), "Idempotency-Key": "o-3"},
        json={**body, "acknowledge_risk_mismatch": True, "risk_warning_version": warning},
    )
    assert bought.status_code == 201, bought.text
    assert (await client.get("/api/v1/me/account", headers=me())).json()[
        "frozen_minor"
    ] == 1_000_000

    # The raise ends; the order becomes a holding that accrues day by day.
    clock.set(datetime.fromisoformat(product["raise_end_at"]) + timedelta(hours=1))
    closed = await client.post(f"/api/v1/admin/products/{pid}/close-raise", headers=reviewer())
    assert closed.json()["status"] == "raised"
    orders = (await client.get("/api/v1/me/orders", headers=me())).json()["items"]
    assert orders[0]["status"] == "confirmed"
    holding = (await client.get("/api/v1/me/holdings", headers=me())).json()["items"][0]
    maturity = date.fromisoformat(holding["maturity_date"])
    assert holding["expected_payout_minor"] == 1_000_000 + 1_000_000 * 520 * 180 // 365 // 10_000

    # The institution tops up the yield; at maturity the payout arrives.
    await deposit(db, user_id=institution_user, amount_minor=50_000, now=clock.now())
    funded = await client.post(
        "/api/v1/institution/settlement/fundings",
        json={"amount_minor": 50_000},
        headers={**institution(), "Idempotency-Key": "fund"},
    )
    assert funded.status_code == 201
    clock.set(business_day_start(maturity) + timedelta(hours=1))
    paid = await client.post(f"/api/v1/admin/products/{pid}/payout", headers=reviewer())
    assert paid.status_code == 200
    assert paid.json()["result"] == "matured"
    holding = (await client.get("/api/v1/me/holdings", headers=me())).json()["items"][0]
    assert holding["status"] == "paid"
    assert holding["accrued_yield_minor"] == holding["expected_yield_minor"] == 25_643
    assert (await wallet_balance(db, investor_id))["balance_minor"] == 2_000_000 + 25_643
    assert (await client.get(f"/api/v1/products/{pid}")).json()["status"] == "matured"
