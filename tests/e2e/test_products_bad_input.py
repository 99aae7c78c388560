"""Bad input to the product and investing endpoints is a 4xx problem, never a 500."""

import base64
import json

from tests import factories
from tests.integration.investment.helpers import investor
from tests.integration.product.helpers import (
    institution_headers,
    product_body,
    published_product,
    staff_headers,
)

HUGE = 2**70
LISTING = "/api/v1/products?cursor="
LISTING_BY_TERM = "/api/v1/products?sort=term_days&cursor="
NAIVE = "2026-01-01T00:00:00"
AWARE = "2026-01-01T00:00:00+00:00"


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


async def test_default_listing_pages_with_its_cursor(app, client, db, clock) -> None:
    now = clock.now()
    institution, _, _ = await institution_headers(app, db, now)
    reviewer, _ = await staff_headers(app, db, now)
    ids = [(await published_product(client, institution, reviewer, now))["id"] for _ in range(3)]
    seen, cursor = [], None
    while True:
        page = await client.get(
            "/api/v1/products?limit=2" + (f"&cursor={cursor}" if cursor else "")
        )
        assert page.status_code == 200, page.text
        seen += [p["id"] for p in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


async def test_bad_input_is_never_a_500(app, client, db, clock) -> None:
    headers = factories.bearer_for(app, await investor(db, now=clock.now()))
    key = {"Idempotency-Key": "bad"}
    requests = [
        ("GET", f"/api/v1/products/{HUGE}", None),
        ("GET", "/api/v1/products?cursor=not-a-cursor", None),
        (
            "GET",
            f"/api/v1/products?cursor={_cursor({'s': '-created_at', 'v': 'x', 'id': 1})}",
            None,
        ),
        (
            "GET",
            LISTING + _cursor({"s": "-created_at", "v": NAIVE, "id": 1}),
            None,
        ),
        (
            "GET",
            LISTING_BY_TERM + _cursor({"s": "term_days", "v": HUGE, "id": 1}),
            None,
        ),
        (
            "GET",
            LISTING + _cursor({"s": "-created_at", "v": AWARE, "id": HUGE}),
            None,
        ),
        ("GET", f"/api/v1/me/holdings?cursor={_cursor({'id': HUGE})}", None),
        ("GET", f"/api/v1/me/orders/{HUGE}", None),
        ("POST", f"/api/v1/me/orders/{HUGE}/cancel", None),
        (
            "POST",
            f"/api/v1/products/{HUGE}/orders",
            {"amount_minor": 100_000, "disclosure_version": 1},
        ),
        (
            "POST",
            "/api/v1/products/1/orders",
            {"amount_minor": 100_000, "disclosure_version": 1, "coupon_id": HUGE},
        ),
        ("POST", "/api/v1/products/1/orders", {"amount_minor": "lots", "disclosure_version": 1}),
        (
            "POST",
            "/api/v1/me/risk-assessment",
            {"version": "2026.1", "answers": {"q1": "x" * 5000}},
        ),
        ("POST", "/api/v1/me/risk-assessment", {"version": "2026.1", "answers": []}),
        ("POST", "/api/v1/me/qualification", {"experience_years": HUGE}),
    ]
    for method, url, body in requests:
        response = await client.request(method, url, json=body, headers={**headers, **key})
        assert 400 <= response.status_code < 500, (url, body, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), url


async def test_raise_instants_outside_the_utc_calendar_are_refused(app, client, db, clock) -> None:
    # Valid ISO 8601, but no datetime holds them in UTC: comparing them was an OverflowError.
    now = clock.now()
    institution, _, _ = await institution_headers(app, db, now)
    for changes in (
        {"raise_end_at": "9999-12-31T23:59:59-08:00"},
        {"raise_start_at": "0001-01-01T00:00:00+08:00"},
    ):
        response = await client.post(
            "/api/v1/products", json=product_body(now, **changes),
            headers=institution | {"Accept-Language": "en"},
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "years 1 to 9999" in response.json()["detail"]
    assert (await client.get("/api/v1/institution/products", headers=institution)).json()[
        "items"
    ] == []
