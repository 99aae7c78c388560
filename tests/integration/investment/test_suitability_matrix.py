"""Every investor category against every product risk level, through the order endpoint."""

from sqlalchemy import select

from finplat.investment.models import Order
from tests import factories
from tests.integration.investment.helpers import investor, order

LEVELS = ["C1", "C2", "C3", "C4", "C5"]
RISKS = ["R1", "R2", "R3", "R4", "R5"]


async def test_suitability_matrix(app, client, db, clock, desk) -> None:
    products = {risk: await desk.publish(risk_level=risk, name=f"product {risk}") for risk in RISKS}
    investors = {
        level: await investor(db, now=clock.now(), level=level, balance_minor=10_000_000)
        for level in LEVELS
    }
    for level, user_id in investors.items():
        headers = factories.bearer_for(app, user_id)
        for risk, product in products.items():
            warning = product["disclosures"]["mismatch_warning"]
            plain = await order(client, headers, product, 100_000)
            if int(risk[1]) <= int(level[1]):
                assert plain.status_code == 201, (level, risk, plain.text)
                assert plain.json()["risk_mismatch_acknowledged"] is False
                continue
            assert plain.status_code == 403, (level, risk)
            assert plain.json()["code"] == "investment.suitability_mismatch"
            acknowledged = await order(
                client,
                headers,
                product,
                100_000,
                acknowledge_risk_mismatch=True,
                risk_warning_version=warning["version"],
            )
            if level == "C1":
                assert acknowledged.status_code == 403, (level, risk)
                assert acknowledged.json()["can_acknowledge"] is False
                continue
            assert acknowledged.status_code == 201, (level, risk, acknowledged.text)
            body = acknowledged.json()
            assert body["risk_mismatch_acknowledged"] is True
            assert body["risk_warning_version"] == warning["version"]
            assert body["risk_acknowledged_at"] is not None
            assert body["investor_risk_level"] == level
    async with db.transaction(readonly=True) as session:
        orders = list(await session.scalars(select(Order)))
    # 15 matches, and 6 acknowledged mismatches by C2..C5 (C1 never).
    assert len(orders) == 15 + 6
    assert sum(o.risk_mismatch_acknowledged for o in orders) == 6


async def test_acknowledging_needs_the_current_warning(app, client, db, clock, desk) -> None:
    product = await desk.publish(risk_level="R4")
    headers = factories.bearer_for(app, await investor(db, now=clock.now(), level="C2"))
    await client.post(
        f"/api/v1/products/{product['id']}/disclosures",
        headers=desk.institution,
        json={"mismatch_warning": "新版风险警示"},
    )
    stale = await order(
        client, headers, product, 100_000, acknowledge_risk_mismatch=True, risk_warning_version=1
    )
    assert stale.status_code == 409 and stale.json()["code"] == "investment.warning_outdated"
    fresh = await order(
        client, headers, product, 100_000, acknowledge_risk_mismatch=True, risk_warning_version=2
    )
    assert fresh.status_code == 201
