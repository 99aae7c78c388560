"""Withdrawals over HTTP: held at request, posted on the channel's success, released on
failure; 409 on insufficient funds (remembered under the key); a race of concurrent requests."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from finplat.core.db import Database
from finplat.payment.config import PaymentSettings
from finplat.payment.simulator import SimulatedChannel
from tests.integration.payment.fixtures import bank, channels, investor, post_callback
from tests.integration.payment.helpers import deposit, wallet, withdraw

__all__ = ["bank", "channels", "investor", "post_callback"]


async def _fund(
    client: httpx.AsyncClient,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
    amount_minor: int,
) -> None:
    assert (await deposit(client, investor["headers"], amount_minor)).status_code == 201
    await bank.deliver_pending(post_callback)


async def test_withdrawal_success_posts_the_hold(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    await _fund(client, investor, bank, post_callback, 100_000)
    response = await withdraw(client, investor["headers"], 40_000)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "created" and body["amount_minor"] == 40_000
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": 100_000,
        "available_minor": 60_000,
        "frozen_minor": 40_000,
        "currency": "CNY",
    }
    listed = (await client.get("/api/v1/me/withdrawals", headers=investor["headers"])).json()[
        "items"
    ]
    assert listed[0]["status"] == "sent"
    await bank.deliver_pending(post_callback)
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": 60_000,
        "available_minor": 60_000,
        "frozen_minor": 0,
        "currency": "CNY",
    }
    listed = (await client.get("/api/v1/me/withdrawals", headers=investor["headers"])).json()[
        "items"
    ]
    assert listed[0]["status"] == "succeeded" and listed[0]["completed_at"] is not None


async def test_withdrawal_failure_releases_the_hold(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    await _fund(client, investor, bank, post_callback, 50_000)
    bank.fail_next("account closed at the bank")
    await withdraw(client, investor["headers"], 50_000)
    assert (await wallet(db, investor["user_id"]))["available_minor"] == 0
    await bank.deliver_pending(post_callback)
    assert (await wallet(db, investor["user_id"]))["available_minor"] == 50_000
    # A late "succeeded" for the failed withdrawal changes nothing.
    listed = (await client.get("/api/v1/me/withdrawals", headers=investor["headers"])).json()[
        "items"
    ]
    assert listed[0]["status"] == "failed"


async def test_a_withdrawal_the_channel_refuses_is_released_at_once(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    await _fund(client, investor, bank, post_callback, 20_000)
    bank.reject_next("channel closed for maintenance")
    assert (await withdraw(client, investor["headers"], 10_000)).status_code == 201
    listed = (await client.get("/api/v1/me/withdrawals", headers=investor["headers"])).json()[
        "items"
    ]
    assert listed[0]["status"] == "failed" and bank.pending == []
    assert (await wallet(db, investor["user_id"]))["available_minor"] == 20_000


async def test_insufficient_funds_is_409_and_remembered_under_the_key(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    await _fund(client, investor, bank, post_callback, 10_000)
    refused = await withdraw(client, investor["headers"], 10_001, idempotency_key="wd-1")
    assert refused.status_code == 409 and refused.json()["code"] == "ledger.insufficient_funds"
    await _fund(client, investor, bank, post_callback, 90_000)
    retried = await withdraw(client, investor["headers"], 10_001, idempotency_key="wd-1")
    assert retried.status_code == 409 and retried.json()["code"] == "ledger.insufficient_funds"
    assert retried.headers["content-type"].startswith("application/problem+json")
    fresh = await withdraw(client, investor["headers"], 10_001, idempotency_key="wd-2")
    assert fresh.status_code == 201
    assert (await wallet(db, investor["user_id"]))["available_minor"] == 100_000 - 10_001


async def test_withdrawal_idempotent_replay(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    await _fund(client, investor, bank, post_callback, 30_000)
    first = await withdraw(client, investor["headers"], 10_000, idempotency_key="wd-x")
    again = await withdraw(client, investor["headers"], 10_000, idempotency_key="wd-x")
    assert again.status_code == 201 and again.json() == first.json()
    assert (await wallet(db, investor["user_id"]))["frozen_minor"] == 10_000
    other = await withdraw(client, investor["headers"], 10_001, idempotency_key="wd-x")
    assert other.status_code == 409 and other.json()["code"] == "idempotency.key_reused"


async def test_racing_twins_of_one_withdrawal_hold_once_and_all_answer_it(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    # The answer is stored after the hold: a twin's hold waits for ours and is then refused
    # (funds for one only), or its insert of the key finds ours; either way it replays ours.
    await _fund(client, investor, bank, post_callback, 10_000)
    responses = await asyncio.gather(
        *(withdraw(client, investor["headers"], 8_000, idempotency_key="twin") for _ in range(6))
    )
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert (await wallet(db, investor["user_id"]))["frozen_minor"] == 8_000
    await bank.deliver_pending(post_callback)
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 2_000


async def test_concurrent_withdrawals_never_overdraw(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    await _fund(client, investor, bank, post_callback, 100_000)
    responses = await asyncio.gather(
        *(withdraw(client, investor["headers"], 30_000) for _ in range(6))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201, 201, 409, 409, 409], [r.text for r in responses]
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": 100_000,
        "available_minor": 10_000,
        "frozen_minor": 90_000,
        "currency": "CNY",
    }
    await bank.deliver_pending(post_callback)
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 10_000


async def test_a_withdrawal_fee_goes_to_fee_revenue(
    app: Any,
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    app.state.payment_settings = PaymentSettings(withdrawal_fee_minor={"bank": 200}, _env_file=None)
    await _fund(client, investor, bank, post_callback, 10_000)
    body = (await withdraw(client, investor["headers"], 5_000)).json()
    assert body["fee_minor"] == 200
    [callback] = bank.pending
    assert callback.payload["amount_minor"] == 4_800  # the bank pays out the amount less the fee
    await bank.deliver_pending(post_callback)
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": 5_000,
        "available_minor": 5_000,
        "frozen_minor": 0,
        "currency": "CNY",
    }
    too_small = await withdraw(client, investor["headers"], 200)
    assert too_small.status_code == 422 and too_small.json()["code"] == "payment.fee_exceeds_amount"


async def test_someone_elses_bank_card_is_404(
    client: httpx.AsyncClient,
    db: Database,
    clock: Any,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    from finplat.identity import queries as identity_queries
    from tests.factories import make_user, unique_bank_card

    other = await make_user(db, now=clock.now(), bank_card_number=unique_bank_card())
    async with db.transaction(readonly=True) as session:
        [card] = await identity_queries.bank_cards(session, other)
    await _fund(client, investor, bank, post_callback, 10_000)
    response = await withdraw(client, investor["headers"], 1_000, bank_card_id=card.id)
    assert response.status_code == 404
    assert (await wallet(db, investor["user_id"]))["available_minor"] == 10_000


@pytest.mark.parametrize("amount", [0, -5, 50])
async def test_withdrawal_amount_is_bounded(
    client: httpx.AsyncClient, investor: dict[str, Any], amount: int
) -> None:
    assert (await withdraw(client, investor["headers"], amount)).status_code == 422


async def test_racing_contradictory_callbacks_settle_a_withdrawal_once(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    post_callback: Any,
    clock: Any,
) -> None:
    await _fund(client, investor, bank, post_callback, 40_000)
    created = (await withdraw(client, investor["headers"], 25_000)).json()
    [succeeded] = bank.pending
    bank.pending.clear()
    failed = bank.make_callback(
        channel_reference=str(succeeded.payload["channel_reference"]),
        merchant_reference=created["reference"],
        kind="withdrawal",
        status="failed",
        amount_minor=25_000,
        currency="CNY",
        occurred_at=clock.now(),
    )
    results = await asyncio.gather(
        post_callback(succeeded), post_callback(failed), post_callback(succeeded)
    )
    outcomes = sorted(r.json()["result"] for r in results)
    assert outcomes == ["anomaly", "applied", "duplicate"]
    balance = await wallet(db, investor["user_id"])
    status = (await client.get("/api/v1/me/withdrawals", headers=investor["headers"])).json()
    status = status["items"][0]["status"]
    expected = {"succeeded": 15_000, "failed": 40_000}[status]
    assert balance == {
        "balance_minor": expected,
        "available_minor": expected,
        "frozen_minor": 0,
        "currency": "CNY",
    }


async def test_a_withdrawal_needs_a_bank_card_in_the_holders_name(
    client: httpx.AsyncClient, app: Any, db: Database, clock: Any, bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    from tests.factories import bearer_for, make_user

    user_id = await make_user(db, now=clock.now())  # verified, no card bound
    holder = {"user_id": user_id, "headers": bearer_for(app, user_id) | {"Accept-Language": "en"}}
    await _fund(client, holder, bank, post_callback, 10_000)
    response = await withdraw(client, holder["headers"], 1_000)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "payment.bank_card_required"
    assert "bank card" in problem["detail"]
    assert await wallet(db, user_id) == {"balance_minor": 10_000, "available_minor": 10_000,
                                         "frozen_minor": 0, "currency": "CNY"}
    listed = (await client.get("/api/v1/me/withdrawals", headers=holder["headers"])).json()
    assert listed["items"] == [] and bank.pending == []


async def test_a_withdrawal_goes_to_the_chosen_card_of_the_holder(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    from finplat.identity import queries as identity_queries

    async with db.transaction(readonly=True) as session:
        [card] = await identity_queries.bank_cards(session, investor["user_id"])
    await _fund(client, investor, bank, post_callback, 10_000)
    chosen = await withdraw(client, investor["headers"], 1_000, bank_card_id=card.id)
    default = await withdraw(client, investor["headers"], 1_000)
    assert chosen.status_code == default.status_code == 201
    assert chosen.json()["bank_card_id"] == default.json()["bank_card_id"] == card.id
    await bank.deliver_pending(post_callback)


async def test_the_statement_shows_each_withdrawal_once(
    client: httpx.AsyncClient, app: Any, db: Database, investor: dict[str, Any],
    bank: SimulatedChannel, post_callback: Any,
) -> None:
    app.state.payment_settings = PaymentSettings(withdrawal_fee_minor={"bank": 200}, _env_file=None)
    await _fund(client, investor, bank, post_callback, 50_000)

    async def lines() -> list[tuple[str, str, int, int | None]]:
        page = (await client.get("/api/v1/me/transactions", headers=investor["headers"])).json()
        return [(i["type"], i["status"], i["amount_minor"], i["balance_after_minor"])
                for i in page["items"]]

    paid = (await withdraw(client, investor["headers"], 10_000)).json()
    # Pending: one line, frozen; the balance has not moved yet.
    assert await lines() == [("withdraw", "pending", 10_000, 50_000),
                             ("deposit", "posted", 50_000, 50_000)]
    await bank.deliver_pending(post_callback)
    # Paid: one line for what the bank paid out and one for the fee, nothing frozen.
    assert await lines() == [("fee", "posted", 200, 40_000),
                             ("withdraw", "posted", 9_800, 40_200),
                             ("deposit", "posted", 50_000, 50_000)]
    bank.fail_next("account closed")
    await withdraw(client, investor["headers"], 5_000)
    await bank.deliver_pending(post_callback)
    # Failed: one line, released; the balance is untouched.
    assert (await lines())[0] == ("withdraw", "voided", 5_000, 40_000)
    assert len(await lines()) == 4
    csv_text = (await client.get("/api/v1/me/transactions.csv",
                                 headers=investor["headers"])).text
    assert csv_text.count(paid["reference"]) == 2  # the payout and its fee
