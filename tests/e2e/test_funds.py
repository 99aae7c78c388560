"""Funds journeys over HTTP: deposits completed by the signed channel callback, withdrawals held,
posted or released, idempotency, and the channel's misbehaviour (duplicates, reordering)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import select

from finplat.core.db import Database
from finplat.payment import signing
from finplat.payment.models import PaymentCallback
from finplat.payment.simulator import SimulatedChannel
from tests.integration.payment.fixtures import bank, channels, investor, post_callback
from tests.integration.payment.helpers import deposit, wallet, withdraw

__all__ = ["bank", "channels", "investor", "post_callback"]


async def test_deposit_journey_with_the_signed_callback(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    response = await deposit(client, investor["headers"], 150_000)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (
        body["status"] == "pending"
        and body["amount_minor"] == 150_000
        and body["currency"] == "CNY"
    )
    assert len(bank.pending) == 1
    await bank.deliver_pending(post_callback)
    assert (await wallet(db, investor["user_id"]))["available_minor"] == 150_000
    listed = (await client.get("/api/v1/me/deposits", headers=investor["headers"])).json()
    assert [(d["id"], d["status"]) for d in listed["items"]] == [(body["id"], "succeeded")]


async def test_bad_signature_and_stale_timestamp_are_401_and_change_nothing(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    clock: Any,
) -> None:
    await deposit(client, investor["headers"], 10_000)
    [callback] = bank.pending
    forged = {**callback.headers, signing.SIGNATURE_HEADER: "0" * 64}
    response = await client.post(
        "/api/v1/payments/callbacks/bank", content=callback.body, headers=forged
    )
    assert response.status_code == 401
    assert response.json()["code"] == "payment.callback_signature_invalid"
    tampered = callback.body.replace(b"10000", b"99999")
    response = await client.post(
        "/api/v1/payments/callbacks/bank", content=tampered, headers=callback.headers
    )
    assert response.status_code == 401
    from datetime import timedelta

    clock.advance(timedelta(minutes=6))
    response = await client.post(
        "/api/v1/payments/callbacks/bank", content=callback.body, headers=callback.headers
    )
    assert response.status_code == 401 and response.json()["code"] == "payment.callback_stale"
    async with db.transaction(readonly=True) as session:
        assert (await session.scalars(select(PaymentCallback))).all() == []
    listed = (await client.get("/api/v1/me/deposits", headers=investor["headers"])).json()
    assert listed["items"][0]["status"] == "pending"


async def test_unknown_channel_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/payments/callbacks/nowhere", content=b"{}")
    assert response.status_code == 404


async def test_duplicate_and_out_of_order_callbacks_are_harmless(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
    clock: Any,
    app: Any,
) -> None:
    bank.duplicate_callbacks = True
    first = (await deposit(client, investor["headers"], 30_000)).json()
    second = (await deposit(client, investor["headers"], 20_000)).json()
    assert len(bank.pending) == 4
    # Delivered in reverse order, each twice, and one notification once more concurrently.
    again = bank.pending[0]
    delivered, concurrent = await asyncio.gather(
        bank.deliver_pending(post_callback, reverse=True), post_callback(again)
    )
    assert delivered == 4 and concurrent.json()["result"] in ("applied", "duplicate")
    assert (await post_callback(again)).json()["result"] == "duplicate"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 50_000
    # A "failed" for a deposit that already succeeded changes nothing and is an anomaly.
    payload = again.payload
    contradicting = bank.make_callback(
        channel_reference=str(payload["channel_reference"]),
        merchant_reference=str(payload["merchant_reference"]),
        kind="deposit",
        status="failed",
        amount_minor=int(payload["amount_minor"]),
        currency="CNY",
        occurred_at=clock.now(),
    )
    result = (await post_callback(contradicting)).json()["result"]
    assert result == "anomaly"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 50_000
    statuses = {
        d["id"]: d["status"]
        for d in (await client.get("/api/v1/me/deposits", headers=investor["headers"])).json()[
            "items"
        ]
    }
    assert statuses == {first["id"]: "succeeded", second["id"]: "succeeded"}
    async with db.transaction(readonly=True) as session:
        outcomes = sorted((await session.scalars(select(PaymentCallback.outcome))).all())
    assert outcomes == ["anomaly", "applied", "applied"]
    from tests.factories import bearer_for, make_staff

    staff_id, *_ = await make_staff(db, now=clock.now(), role="risk_officer")
    anomalies = await client.get(
        "/api/v1/admin/payments/callbacks?outcome=anomaly", headers=bearer_for(app, staff_id)
    )
    [anomaly] = anomalies.json()["items"]
    assert anomaly["status"] == "failed" and "already succeeded" in anomaly["detail"]


async def test_a_failed_deposit_moves_no_money(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    bank.fail_next("card declined")
    created = (await deposit(client, investor["headers"], 5_000)).json()
    await bank.deliver_pending(post_callback)
    listed = (await client.get("/api/v1/me/deposits", headers=investor["headers"])).json()["items"]
    assert listed[0]["id"] == created["id"] and listed[0]["status"] == "failed"
    assert listed[0]["failure_reason"] == "card declined"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 0


async def test_deposit_idempotent_replay_and_key_reuse(
    client: httpx.AsyncClient, investor: dict[str, Any], bank: SimulatedChannel
) -> None:
    first = await deposit(client, investor["headers"], 7_000, idempotency_key="dep-1")
    replay = await deposit(client, investor["headers"], 7_000, idempotency_key="dep-1")
    assert replay.status_code == 201 and replay.json() == first.json()
    assert len(bank.pending) == 1  # the channel was asked once
    reused = await deposit(client, investor["headers"], 8_000, idempotency_key="dep-1")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency.key_reused"
    missing = await client.post(
        "/api/v1/me/deposits",
        json={"amount_minor": 1, "channel": "bank"},
        headers=investor["headers"],
    )
    assert missing.status_code == 422


async def test_deposit_input_is_bounded(
    client: httpx.AsyncClient, investor: dict[str, Any]
) -> None:
    for body in (
        {"amount_minor": 0, "channel": "bank"},
        {"amount_minor": 1.5, "channel": "bank"},
        {"amount_minor": "100", "channel": "bank"},
        {"amount_minor": 100, "channel": "cash"},
        {"amount_minor": 10**15, "channel": "bank"},
        {"amount_minor": 50, "channel": "bank"},
    ):
        response = await client.post(
            "/api/v1/me/deposits",
            json=body,
            headers={**investor["headers"], "Idempotency-Key": str(body)[:60]},
        )
        assert response.status_code == 422, (body, response.text)
    assert (await client.get("/api/v1/me/deposits", headers=investor["headers"])).json()[
        "items"
    ] == []


async def test_deposits_need_a_verified_user(
    client: httpx.AsyncClient, db: Database, clock: Any, app: Any
) -> None:
    from tests.factories import bearer_for, make_user

    user_id = await make_user(db, now=clock.now(), verified=False)
    response = await deposit(client, bearer_for(app, user_id), 10_000)
    assert response.status_code == 403
    assert (await client.post("/api/v1/me/deposits", json={"amount_minor": 100})).status_code == 401


async def test_statement_csv_is_masked_and_filtered(
    client: httpx.AsyncClient,
    db: Database,
    clock: Any,
    app: Any,
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    import csv
    import io

    from finplat.identity import queries as identity_queries
    from tests.factories import bearer_for, make_user, unique_bank_card

    card_number = unique_bank_card()
    user_id = await make_user(db, now=clock.now(), bank_card_number=card_number)
    headers = bearer_for(app, user_id)
    async with db.transaction(readonly=True) as session:
        [card] = await identity_queries.bank_cards(session, user_id)
    await deposit(client, headers, 80_000)
    await bank.deliver_pending(post_callback)
    response = await withdraw(client, headers, 30_000)  # no card given: the bound one is used
    assert response.status_code == 201 and response.json()["bank_card_id"] == card.id
    await bank.deliver_pending(post_callback)
    account = (await client.get("/api/v1/me/account", headers=headers)).json()
    assert account["balance_minor"] == 50_000

    response = await client.get("/api/v1/me/transactions.csv", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert card_number not in response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_type = {(row["type"], row["status"], row["direction"]): row for row in rows}
    assert by_type[("deposit", "posted", "in")]["amount_minor"] == "80000"
    withdrawal = by_type[("withdraw", "posted", "out")]
    assert withdrawal["bank_card"] == card.card_number_masked
    assert withdrawal["bank_card"].startswith(card_number[:6]) and withdrawal["bank_card"].endswith(
        card_number[-4:]
    )
    only_deposits = await client.get("/api/v1/me/transactions.csv?type=deposit", headers=headers)
    assert [row["type"] for row in csv.DictReader(io.StringIO(only_deposits.text))] == ["deposit"]
    later = await client.get("/api/v1/me/transactions.csv?from=2026-03-03", headers=headers)
    assert later.text.strip().count("\n") == 0  # the header only
    bad = await client.get(
        "/api/v1/me/transactions.csv?from=2026-03-03&to=2026-03-01", headers=headers
    )
    assert bad.status_code == 422
    assert (await client.get("/api/v1/me/transactions.csv")).status_code == 401


async def test_embedded_simulator_calls_back_by_itself(
    settings: Any, clock: Any, db: Database
) -> None:
    from finplat.main import create_app
    from finplat.payment import runtime
    from tests.factories import bearer_for, make_user

    app = create_app(
        settings.model_copy(update={"run_background_in_process": True}),
        clock=clock,
        db=db,
        background=False,
    )
    user_id = await make_user(db, now=clock.now())
    headers = bearer_for(app, user_id)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await deposit(http, headers, 12_345, channel="thirdparty")).status_code == 201
        channels = runtime.channels_of(app.state)
        for name in channels.names():
            await channels.get(name).drain()  # type: ignore[attr-defined]
        account = (await http.get("/api/v1/me/account", headers=headers)).json()
    assert account["balance_minor"] == 12_345


async def test_signed_but_malformed_or_unknown_notifications(
    client: httpx.AsyncClient, db: Database, bank: SimulatedChannel, clock: Any
) -> None:
    from finplat.payment import signing as payment_signing

    body = b'{"channel_reference": "x"}'
    headers = payment_signing.signed_headers(
        secret=bank._secret, timestamp=int(clock.now().timestamp()), body=body
    )
    response = await client.post("/api/v1/payments/callbacks/bank", content=body, headers=headers)
    assert response.status_code == 422 and response.json()["code"] == "payment.callback_malformed"
    stray = bank.make_callback(
        channel_reference="CBstray",
        merchant_reference="DPnobody",
        kind="deposit",
        status="succeeded",
        amount_minor=100,
        currency="CNY",
        occurred_at=clock.now(),
    )
    response = await client.post(
        "/api/v1/payments/callbacks/bank", content=stray.body, headers=stray.headers
    )
    assert response.status_code == 200 and response.json()["result"] == "unknown_order"


async def test_concurrent_twins_with_one_key_make_one_deposit(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel
) -> None:
    responses = await asyncio.gather(
        *(deposit(client, investor["headers"], 4_200, idempotency_key="twin") for _ in range(4))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(bank.pending) == 1
    listed = (await client.get("/api/v1/me/deposits", headers=investor["headers"])).json()["items"]
    assert len(listed) == 1


async def test_a_notification_with_another_amount_is_an_anomaly(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
    clock: Any,
) -> None:
    created = (await deposit(client, investor["headers"], 10_000)).json()
    [genuine] = bank.pending
    bank.pending.clear()
    inflated = bank.make_callback(
        channel_reference=str(genuine.payload["channel_reference"]),
        merchant_reference=created["reference"],
        kind="deposit",
        status="succeeded",
        amount_minor=1_000_000,
        currency="CNY",
        occurred_at=clock.now(),
    )
    assert (await post_callback(inflated)).json()["result"] == "anomaly"
    listed = (await client.get("/api/v1/me/deposits", headers=investor["headers"])).json()
    assert listed["items"][0]["status"] == "pending"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 0
    # The channel's correct notice is a different notification and settles the deposit.
    assert (await post_callback(genuine)).json()["result"] == "applied"
    assert (await post_callback(genuine)).json()["result"] == "duplicate"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 10_000
