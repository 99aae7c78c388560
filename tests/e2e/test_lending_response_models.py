"""Every lending endpoint declares a typed answer in the OpenAPI document (no open object), and
the declared model keeps every field the use case returns: an HTTP answer carries exactly the
keys of what ``products``, ``application_views``, ``listings``, ``bids`` and ``agreement``
give."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.lending import agreement, application_views, bids, listings, products
from finplat.main import create_app
from tests import factories
from tests.integration.lending import origination_helpers as h

LENDING_PREFIXES = ("/api/v1/lending/", "/api/v1/loan-products", "/api/v1/admin/lending/",
                    "/api/v1/loans", "/api/v1/admin/loans", "/api/v1/me/loans",
                    "/api/v1/me/loan-holdings", "/api/v1/disclosure/lending")


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _open_objects(document: dict[str, Any], schema: dict[str, Any], seen: set[str]) -> list[str]:
    """Where ``schema`` (followed through refs, items and properties) leaves an object open."""
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return []
        seen.add(ref)
    schema = _resolve(document, schema)
    found = []
    if schema.get("type") == "object" and "properties" not in schema:
        found.append(str(schema))
    if schema.get("additionalProperties") not in (None, False):
        found.append(str(schema))
    children = [*schema.get("anyOf", []), *schema.get("allOf", [])]
    if "items" in schema:
        children.append(schema["items"])
    children.extend(schema.get("properties", {}).values())
    for child in children:
        found.extend(_open_objects(document, child, seen))
    return found


def test_every_lending_endpoint_declares_a_closed_typed_answer() -> None:
    document = create_app(background=False).openapi()
    checked = 0
    for path, operations in document["paths"].items():
        if not path.startswith(LENDING_PREFIXES):
            continue
        for method, operation in operations.items():
            answers = {code: body for code, body in operation["responses"].items()
                       if code.startswith("2")}
            assert answers, f"{method} {path}"
            for code, body in answers.items():
                schema = body["content"]["application/json"]["schema"]
                assert schema != {}, f"{method} {path} {code}: no response model"
                assert not _open_objects(document, schema, set()), f"{method} {path} {code}"
                checked += 1
    assert checked >= 35


async def _keys_match(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                      expected: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == set(expected), url
    for key, value in expected.items():
        if isinstance(value, dict):
            assert set(body[key]) == set(value), f"{url}: {key}"
    return body


async def test_the_answers_keep_every_field_the_use_cases_return(
    app: FastAPI, client: httpx.AsyncClient, db: Database, clock: FrozenClock,
) -> None:
    now = clock.now()
    product = await h.active_product(db, now, prepayment_fee_rate_bps=100)
    made = await h.disbursed_loan(db, now, product=product)
    loan_id, borrower_id = made["loan_id"], made["borrower_id"]
    product_id = made["product"]["id"]
    borrower = factories.bearer_for(app, borrower_id)
    staff_id, *_ = await factories.make_staff(db, now=now, role="reviewer")
    staff = factories.bearer_for(app, staff_id)
    investor = factories.bearer_for(app, made["investor_ids"][0])

    public = await products.view(db, product_id=product_id, institution_id=None, public=True,
                                 staff=False)
    await _keys_match(client, f"/api/v1/loan-products/{product_id}", {}, public)
    reviewed = await products.view(db, product_id=product_id, institution_id=None,
                                   public=False, staff=True)
    await _keys_match(client, f"/api/v1/admin/lending/products/{product_id}", staff, reviewed)

    [application] = (await client.get("/api/v1/me/loans/applications",
                                      headers=borrower)).json()["items"]
    expected = await application_views.one(db, application_id=application["id"],
                                           user_id=borrower_id)
    assert set(application) == set(expected)
    await _keys_match(client, f"/api/v1/admin/loans/applications/{application['id']}", staff,
                      expected)

    listing = await listings.one(db, loan_id=loan_id, user_id=borrower_id, staff=False)
    body = await _keys_match(client, f"/api/v1/loans/{loan_id}", borrower, listing)
    assert set(body["borrower"]["record"]) == set(listing["borrower"]["record"])
    assert body["prepayment_fee_rate_bps"] == 100
    quote = (await client.get(f"/api/v1/me/loans/{loan_id}/payoff", headers=borrower)).json()
    assert quote["prepayment_fee_rate_bps"] == 100
    assert set(quote) >= {"prepayment_fee_minor", "total_minor"}

    [bid] = (await client.get("/api/v1/me/loans/bids", headers=investor)).json()["items"]
    assert set(bid) == set((await bids.mine(db, user_id=made["investor_ids"][0]))[0])

    found = await agreement.read(db, loan_id=loan_id, user_id=borrower_id, staff=False)
    await _keys_match(client, f"/api/v1/loans/{loan_id}/agreement", borrower, found)
