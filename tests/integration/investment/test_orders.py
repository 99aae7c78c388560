from datetime import timedelta

from sqlalchemy import select

from finplat.investment import questionnaire, suitability
from finplat.investment.models import Order
from tests import factories
from tests.integration.investment.helpers import answers_for, investor, order, wallet_balance


async def test_an_order_holds_the_funds_and_is_idempotent(app, client, db, clock, desk) -> None:
    product = await desk.publish()
    user_id = await investor(db, now=clock.now(), balance_minor=1_000_000)
    headers = factories.bearer_for(app, user_id)

    first = await order(client, headers, product, 200_000, key="buy-1")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "pending" and body["amount_minor"] == 200_000
    assert body["currency"] == "CNY" and body["disclosure_version"] == 1
    assert await wallet_balance(db, user_id) == {
        "balance_minor": 1_000_000,
        "available_minor": 800_000,
        "frozen_minor": 200_000,
        "currency": "CNY",
    }
    replay = await order(client, headers, product, 200_000, key="buy-1")
    assert replay.status_code == 201 and replay.json() == body
    reused = await order(client, headers, product, 300_000, key="buy-1")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency.key_reused"
    assert (await wallet_balance(db, user_id))["frozen_minor"] == 200_000
    sold = (await client.get(f"/api/v1/products/{product['id']}")).json()
    assert sold["sold_minor"] == 200_000 and sold["order_count"] == 1
    mine = (await client.get("/api/v1/me/orders", headers=headers)).json()["items"]
    assert [o["id"] for o in mine] == [body["id"]]


async def test_order_rules(app, client, db, clock, desk) -> None:
    product = await desk.publish(
        min_amount_minor=100_000,
        step_amount_minor=10_000,
        max_per_investor_minor=500_000,
        raise_cap_minor=600_000,
        raise_target_minor=600_000,
    )
    rich = factories.bearer_for(app, await investor(db, now=clock.now(), balance_minor=10_000_000))
    poor = factories.bearer_for(app, await investor(db, now=clock.now(), balance_minor=50_000))
    cases = [
        (rich, 99_000, {}, 422, "investment.below_minimum"),
        (rich, 105_000, {}, 422, "investment.invalid_step"),
        (rich, 510_000, {}, 409, "investment.investor_limit_exceeded"),
        (rich, 100_000, {"disclosure_version": 2}, 409, "investment.disclosure_outdated"),
        (poor, 100_000, {}, 409, "ledger.insufficient_funds"),
        (rich, 0, {}, 422, "validation.invalid"),
    ]
    for headers, amount, extra, status, code in cases:
        response = await order(client, headers, product, amount, **extra)
        assert (response.status_code, response.json()["code"]) == (status, code), (amount, extra)
    assert (await order(client, rich, product, 500_000)).status_code == 201
    other = factories.bearer_for(app, await investor(db, now=clock.now()))
    quota = await order(client, other, product, 110_000)
    assert quota.status_code == 409 and quota.json()["code"] == "investment.quota_exceeded"
    assert quota.json()["remaining_minor"] == 100_000
    missing_key = await client.post(
        f"/api/v1/products/{product['id']}/orders",
        headers=rich,
        json={"amount_minor": 100_000, "disclosure_version": 1},
    )
    assert missing_key.status_code == 422
    clock.advance(timedelta(days=4))
    late = await order(
        client, factories.bearer_for(app, await investor(db, now=clock.now())), product, 100_000
    )
    assert late.status_code == 409 and late.json()["code"] == "investment.not_on_sale"
    async with db.transaction(readonly=True) as session:
        count = len(list(await session.scalars(select(Order.id))))
    assert count == 1


async def test_a_remembered_failure_stays_a_failure(app, client, db, clock, desk) -> None:
    product = await desk.publish()
    user_id = await investor(db, now=clock.now(), balance_minor=50_000)
    headers = factories.bearer_for(app, user_id)
    refused = await order(client, headers, product, 100_000, key="k")
    assert refused.status_code == 409
    from tests.integration.investment.helpers import deposit

    await deposit(db, user_id=user_id, amount_minor=1_000_000, now=clock.now())
    again = await order(client, headers, product, 100_000, key="k")
    assert again.status_code == 409 and again.json()["code"] == "ledger.insufficient_funds"


async def test_no_assessment_and_no_verification(app, client, db, clock, desk) -> None:
    product = await desk.publish()
    unassessed = factories.bearer_for(app, await investor(db, now=clock.now(), level=None))
    response = await order(client, unassessed, product, 100_000)
    assert (
        response.status_code == 403 and response.json()["code"] == "investment.assessment_required"
    )
    unverified = factories.bearer_for(
        app, await factories.make_user(db, now=clock.now(), verified=False)
    )
    assert (await order(client, unverified, product, 100_000)).status_code == 403


async def test_cancel_releases_the_hold(app, client, db, clock, desk) -> None:
    product = await desk.publish()
    user_id = await investor(db, now=clock.now(), balance_minor=1_000_000)
    headers = factories.bearer_for(app, user_id)
    placed = (await order(client, headers, product, 300_000)).json()
    stranger = factories.bearer_for(app, await investor(db, now=clock.now()))
    assert (
        await client.post(f"/api/v1/me/orders/{placed['id']}/cancel", headers=stranger)
    ).status_code == 404
    cancelled = await client.post(f"/api/v1/me/orders/{placed['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert (await wallet_balance(db, user_id))["available_minor"] == 1_000_000
    again = await client.post(f"/api/v1/me/orders/{placed['id']}/cancel", headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "investment.order_not_cancellable"
    assert (await client.get(f"/api/v1/products/{product['id']}")).json()["sold_minor"] == 0


async def test_a_revised_risk_disclosure_must_be_confirmed_again(
    app, client, db, clock, desk
) -> None:
    product = await desk.publish()
    revised = await client.post(
        f"/api/v1/products/{product['id']}/disclosures",
        headers=desk.institution,
        json={"risk_disclosure": "风险揭示书 v2"},
    )
    assert revised.status_code == 200 and revised.json()["risk_disclosure"]["version"] == 2
    headers = factories.bearer_for(app, await investor(db, now=clock.now()))
    stale = await order(client, headers, product, 100_000)
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    fresh = await order(client, headers, product, 100_000, disclosure_version=2)
    assert fresh.status_code == 201


async def test_qualified_only_products(app, client, db, clock, desk) -> None:
    product = await desk.publish(
        qualified_only=True,
        min_amount_minor=30_000_000,
        max_per_investor_minor=60_000_000,
        raise_target_minor=30_000_000,
        raise_cap_minor=90_000_000,
    )
    headers = factories.bearer_for(
        app, await investor(db, now=clock.now(), balance_minor=50_000_000)
    )
    refused = await order(client, headers, product, 30_000_000)
    assert (
        refused.status_code == 403 and refused.json()["code"] == "investment.qualification_required"
    )
    await client.post(
        "/api/v1/me/qualification",
        headers=headers,
        json={"experience_years": 5, "financial_assets_minor": 600_000_000},
    )
    assert (await order(client, headers, product, 30_000_000)).status_code == 201


async def test_the_api_md_order_body_records_the_versions_in_force(
    app, client, db, clock, desk
) -> None:
    """A client that sends only what API.md lists confirms the disclosure and warning in force."""
    product = await desk.publish(risk_level="R4")
    user_id = await investor(db, now=clock.now(), level="C3")
    headers = {**factories.bearer_for(app, user_id), "Idempotency-Key": "plain-1"}
    url = f"/api/v1/products/{product['id']}/orders"

    refused = await client.post(url, headers=headers, json={"amount_minor": 100_000})
    assert refused.status_code == 403
    assert refused.json()["code"] == "investment.suitability_mismatch"

    headers["Idempotency-Key"] = "plain-2"
    body = {"amount_minor": 100_000, "acknowledge_risk_mismatch": True}
    placed = await client.post(url, headers=headers, json=body)
    assert placed.status_code == 201, placed.text
    disclosures = product["disclosures"]
    async with db.transaction(readonly=True) as session:
        stored = await session.get(Order, placed.json()["id"])
        assert stored is not None
        assert stored.disclosure_version == disclosures["risk_disclosure"]["version"]
        assert stored.risk_mismatch_acknowledged is True
        assert stored.risk_warning_version == disclosures["mismatch_warning"]["version"]
        assert stored.risk_acknowledged_at == clock.now()


async def test_an_order_right_after_verification_finds_the_wallet(app, client, db, clock,
                                                                   desk) -> None:
    """No event delivered between verifying and ordering: the wallet came with the
    verification, so the order is refused for want of money, not of a wallet."""
    product = await desk.publish()
    now = clock.now()
    user_id = await factories.make_user(db, now=now, verified=False)
    headers = factories.bearer_for(app, user_id)
    verified = await client.post("/api/v1/me/kyc", headers=headers, json={
        "real_name": "张三", "id_number": factories.unique_id_number()})
    assert verified.status_code == 200, verified.text
    await suitability.assess(db, user_id=user_id, version=questionnaire.CURRENT_VERSION,
                             answers=answers_for("C3"), now=now)
    refused = await order(client, factories.bearer_for(app, user_id), product, 100_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "ledger.insufficient_funds"
