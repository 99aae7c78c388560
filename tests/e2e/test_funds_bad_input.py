"""Bad input to the funds endpoints is a 422 problem, never a 500 (found by the API fuzzer)."""

from __future__ import annotations

import pytest

from tests.factories import bearer_for, make_user


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=0001-01-01", "from=1969-12-31"])
async def test_statement_dates_before_1970_are_refused(client, app, db, clock, query):
    # Day 0001-01-01 starts at 0000-12-31T16:00Z in Shanghai: no datetime holds it (was a 500).
    customer = bearer_for(app, await make_user(db, now=clock.now()))
    response = await client.get(f"/api/v1/me/transactions.csv?{query}", headers=customer)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


async def test_every_money_moving_operation_documents_and_demands_its_idempotency_key(
        client, app, db, clock):
    spec = (await client.get("/openapi.json")).json()
    keyed = {(method, path): parameter for path, item in spec["paths"].items()
             for method, operation in item.items()
             for parameter in operation.get("parameters", [])
             if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"}
    assert ("post", "/api/v1/me/deposits") in keyed and ("post", "/api/v1/me/withdrawals") in keyed
    assert all(parameter["required"] and parameter["schema"]["maxLength"] == 64
               for parameter in keyed.values())
    customer = bearer_for(app, await make_user(db, now=clock.now()))
    for headers in (customer, {**customer, "Idempotency-Key": "k" * 65}):
        response = await client.post("/api/v1/me/deposits", headers=headers,
                                      json={"amount_minor": 10_000, "channel": "bank"})
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "idempotency.key_required"


@pytest.mark.parametrize("timestamp", ["²".encode("latin-1"), "１７".encode(), b"", b" ",
                                       b"-1", b"9" * 40, b"\xb2\xb3"])
async def test_a_callback_timestamp_of_other_digits_is_a_401_problem(client, db, timestamp):
    # "²" passes str.isdigit() and then failed int() (was a 500); no login is needed to send it.
    response = await client.post(
        "/api/v1/payments/callbacks/bank", content=b"{}",
        headers=[(b"X-Channel-Timestamp", timestamp), (b"X-Channel-Signature", b"a" * 64)])
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "payment.callback_signature_invalid"
