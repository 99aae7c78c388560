"""The public catalogue over HTTP: anonymous browsing, filters, detail with disclosures, and
what stays private (drafts, other institutions' products)."""

from tests import factories
from tests.integration.product.helpers import (
    institution_headers,
    product_body,
    published_product,
    staff_headers,
)


async def test_browsing_the_catalogue(app, client, db, clock) -> None:
    now = clock.now()
    institution, _, _ = await institution_headers(app, db, now)
    other, _, _ = await institution_headers(app, db, now, uscc="91110000100000000K")
    reviewer, _ = await staff_headers(app, db, now)
    low = await published_product(
        client,
        institution,
        reviewer,
        now,
        name="安心30天",
        risk_level="R1",
        annual_rate="0.0250",
        term_days=30,
    )
    high = await published_product(
        client,
        institution,
        reviewer,
        now,
        name="进取365天",
        type="equity",
        risk_level="R5",
        annual_rate="0.0800",
        term_days=365,
    )
    draft = (await client.post("/api/v1/products", headers=other, json=product_body(now))).json()

    everything = (await client.get("/api/v1/products")).json()["items"]
    assert {p["id"] for p in everything} == {low["id"], high["id"]}
    assert [
        p["id"] for p in (await client.get("/api/v1/products?type=equity")).json()["items"]
    ] == [high["id"]]
    by_term = (await client.get("/api/v1/products?sort=-term_days")).json()["items"]
    assert [p["term_days"] for p in by_term] == [365, 30]

    detail = (await client.get(f"/api/v1/products/{high['id']}")).json()
    assert detail["currency"] == "CNY" and detail["remaining_minor"] == detail["raise_cap_minor"]
    assert set(detail["disclosures"]) == {"disclosure", "risk_disclosure", "mismatch_warning"}
    assert detail["disclosures"]["risk_disclosure"]["text"] == "风险揭示书 v1"

    assert (await client.get(f"/api/v1/products/{draft['id']}")).status_code == 404
    assert (
        await client.get(f"/api/v1/institution/products/{draft['id']}", headers=institution)
    ).status_code == 404
    mine = (await client.get("/api/v1/institution/products", headers=other)).json()["items"]
    assert [p["id"] for p in mine] == [draft["id"]]
    anonymous = await client.post("/api/v1/products", json=product_body(now))
    assert anonymous.status_code == 401
    investor = factories.bearer_for(app, await factories.make_user(db, now=now))
    assert (await client.get("/api/v1/admin/products", headers=investor)).status_code == 403
