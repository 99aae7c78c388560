from datetime import timedelta

import pytest
from sqlalchemy import select

from finplat.audit.models import AuditRecord
from finplat.core.errors import Forbidden
from finplat.events.models import OutboxEvent
from finplat.product import service as product_service
from tests import factories
from tests.integration.product.helpers import (
    institution_headers,
    product_body,
    published_product,
    staff_headers,
)


async def test_maker_checker_workflow_to_the_public_catalogue(app, client, db, clock) -> None:
    now = clock.now()
    institution, author_id, institution_id = await institution_headers(app, db, now)
    reviewer, reviewer_id = await staff_headers(app, db, now)

    created = await client.post("/api/v1/products", json=product_body(now), headers=institution)
    assert created.status_code == 201, created.text
    product = created.json()
    assert product["status"] == "draft"
    assert product["annual_rate"] == "0.0490"
    assert product["institution_id"] == institution_id
    assert product["disclosures"]["risk_disclosure"]["version"] == 1
    assert "R2" in product["disclosures"]["mismatch_warning"]["text"]
    pid = product["id"]

    # Not public yet, and a reviewer cannot approve a draft.
    assert (await client.get(f"/api/v1/products/{pid}")).status_code == 404
    wrong = await client.post(f"/api/v1/admin/products/{pid}/approve", headers=reviewer)
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "product.invalid_state"

    assert (
        await client.post(f"/api/v1/products/{pid}/submit", headers=institution)
    ).status_code == 200
    rejected = await client.post(
        f"/api/v1/admin/products/{pid}/reject",
        headers=reviewer,
        json={"note": "rate too high for R2"},
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["review"]["note"] == "rate too high for R2"
    assert (
        await client.post(f"/api/v1/products/{pid}/submit", headers=institution)
    ).status_code == 200
    approved = await client.post(f"/api/v1/admin/products/{pid}/approve", headers=reviewer)
    assert approved.json()["status"] == "approved"
    assert approved.json()["review"]["reviewed_by_user_id"] == reviewer_id
    published = await client.post(f"/api/v1/admin/products/{pid}/publish", headers=reviewer)
    assert published.json()["status"] == "raising"

    public = await client.get(f"/api/v1/products/{pid}")
    assert public.status_code == 200
    assert public.json()["review"] is None
    listing = (await client.get("/api/v1/products")).json()
    assert [p["id"] for p in listing["items"]] == [pid]

    async with db.transaction(readonly=True) as session:
        actions = list(
            await session.scalars(
                select(AuditRecord.action)
                .where(AuditRecord.target_type == "product")
                .order_by(AuditRecord.id)
            )
        )
        topics = list(await session.scalars(select(OutboxEvent.topic).order_by(OutboxEvent.id)))
    assert actions == [
        "product.created",
        "product.submitted",
        "product.rejected",
        "product.submitted",
        "product.approved",
        "product.raising",
    ]
    assert "product.raising" in topics
    assert author_id != reviewer_id


async def test_the_author_cannot_review_their_own_product(app, client, db, clock) -> None:
    now = clock.now()
    institution, author_id, _ = await institution_headers(app, db, now)
    pid = (
        await client.post("/api/v1/products", json=product_body(now), headers=institution)
    ).json()["id"]
    await client.post(f"/api/v1/products/{pid}/submit", headers=institution)
    # Even an author who also held a reviewer's role would be refused by the service.
    with pytest.raises(Forbidden) as caught:
        await product_service.review(
            db, product_id=pid, reviewer_id=author_id, approve=True, note=None, now=now
        )
    assert caught.value.code == "product.self_review"
    reviewer, _ = await staff_headers(app, db, now)
    product = (await client.get(f"/api/v1/admin/products/{pid}", headers=reviewer)).json()
    assert product["status"] == "submitted"


async def test_only_institution_users_create_and_others_see_404(app, client, db, clock) -> None:
    now = clock.now()
    institution, _, _ = await institution_headers(app, db, now)
    other, _, _ = await institution_headers(app, db, now, uscc="91110000100000000K")
    reviewer, _ = await staff_headers(app, db, now)
    investor = factories.bearer_for(app, await factories.make_user(db, now=now))
    refused = await client.post("/api/v1/products", json=product_body(now), headers=investor)
    assert refused.status_code == 403
    pid = (
        await client.post("/api/v1/products", json=product_body(now), headers=institution)
    ).json()["id"]
    assert (await client.post(f"/api/v1/products/{pid}/submit", headers=other)).status_code == 404
    assert (
        await client.get(f"/api/v1/institution/products/{pid}", headers=other)
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/admin/products/{pid}/approve", headers=investor)
    ).status_code == 403
    assert (await client.get("/api/v1/admin/products?status=draft", headers=reviewer)).json()[
        "items"
    ]


async def test_bad_terms_are_422_and_change_nothing(app, client, db, clock) -> None:
    now = clock.now()
    institution, _, _ = await institution_headers(app, db, now)
    for changes in (
        {"annual_rate": "4.9%"},
        {"annual_rate": "1.2"},
        {"term_days": 0},
        {"raise_end_at": (now - timedelta(days=1)).isoformat()},
        {"raise_end_at": "2026-03-05T00:00:00"},
        {"qualified_only": True},
        {"min_amount_minor": 1.5},
        {"risk_level": "R9"},
    ):
        response = await client.post(
            "/api/v1/products", json=product_body(now, **changes), headers=institution
        )
        assert response.status_code == 422, (changes, response.text)
        assert response.json()["errors"]
    listing = await client.get("/api/v1/institution/products", headers=institution)
    assert listing.json()["items"] == []


async def test_listing_filters_and_sorts(app, client, db, clock) -> None:
    now = clock.now()
    institution, _, _ = await institution_headers(app, db, now)
    reviewer, _ = await staff_headers(app, db, now)
    specs = [
        ("R1", "0.0300", 30),
        ("R3", "0.0550", 180),
        ("R2", "0.0420", 90),
        ("R3", "0.0610", 60),
    ]
    for risk, rate, term in specs:
        await published_product(
            client, institution, reviewer, now, risk_level=risk, annual_rate=rate, term_days=term
        )
    by_rate = (await client.get("/api/v1/products?sort=-annual_rate")).json()["items"]
    assert [p["annual_rate"] for p in by_rate] == ["0.0610", "0.0550", "0.0420", "0.0300"]
    r3 = (await client.get("/api/v1/products?risk_level=R3&sort=term_days")).json()["items"]
    assert [p["term_days"] for p in r3] == [60, 180]
    seen, cursor = [], None
    while True:
        url = "/api/v1/products?sort=annual_rate&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url)).json()
        seen += [p["annual_rate"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["0.0300", "0.0420", "0.0550", "0.0610"]
    assert (await client.get("/api/v1/products?sort=bogus")).status_code == 422
    assert (await client.get("/api/v1/products?type=crypto")).status_code == 422


async def test_a_rejected_product_is_revised_and_resubmitted(app, client, db, clock) -> None:
    now = clock.now()
    institution, _, _ = await institution_headers(app, db, now)
    reviewer, _ = await staff_headers(app, db, now)
    pid = (
        await client.post("/api/v1/products", json=product_body(now), headers=institution)
    ).json()["id"]
    await client.post(f"/api/v1/products/{pid}/submit", headers=institution)
    await client.post(
        f"/api/v1/admin/products/{pid}/reject", headers=reviewer, json={"note": "rate"}
    )
    revised = await client.put(
        f"/api/v1/products/{pid}",
        headers=institution,
        json=product_body(
            now, annual_rate="0.0380", risk_level="R3", risk_disclosure="风险揭示书 v2"
        ),
    )
    assert revised.status_code == 200, revised.text
    body = revised.json()
    assert body["annual_rate"] == "0.0380" and body["status"] == "rejected"
    assert body["disclosures"]["risk_disclosure"]["version"] == 2
    assert body["disclosures"]["disclosure"]["version"] == 1  # unchanged text, same version
    assert "R3" in body["disclosures"]["mismatch_warning"]["text"]
    assert (
        await client.post(f"/api/v1/products/{pid}/submit", headers=institution)
    ).status_code == 200
    frozen = await client.put(
        f"/api/v1/products/{pid}", headers=institution, json=product_body(now)
    )
    assert frozen.status_code == 409 and frozen.json()["code"] == "product.invalid_state"
