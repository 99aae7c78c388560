"""Callback deduplication: a notice is identified by the channel's reference and status; a
signed but contradicting notice is kept as an anomaly without using up the correct one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from finplat.core.db import Database
from finplat.events.models import OutboxEvent
from finplat.payment.models import PaymentCallback
from finplat.payment.simulator import SimulatedChannel
from tests.integration.payment.helpers import deposit, wallet, withdraw


def _variant(bank: SimulatedChannel, genuine: Any, **changes: Any) -> Any:
    fields = {name: genuine.payload[name] for name in (
        "channel_reference", "merchant_reference", "kind", "status", "amount_minor", "currency")}
    from datetime import datetime

    occurred_at = datetime.fromisoformat(str(genuine.payload["occurred_at"]))
    return bank.make_callback(**{**fields, **changes}, occurred_at=occurred_at)


async def _callbacks(db: Database) -> list[tuple[str, str | None]]:
    async with db.transaction(readonly=True) as session:
        rows = await session.execute(select(PaymentCallback.outcome, PaymentCallback.notice_key)
                                     .order_by(PaymentCallback.id))
        return [(row.outcome, row.notice_key) for row in rows]


@pytest.mark.parametrize(
    ("change", "answer"),
    [({"currency": "USD"}, "anomaly"), ({"amount_minor": 9_999}, "anomaly"),
     ({"kind": "withdrawal"}, "unknown_order")],
)
async def test_a_contradicting_signed_notice_does_not_block_the_correct_one(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any, change: dict[str, Any], answer: str,
) -> None:
    created = (await deposit(client, investor["headers"], 8_000)).json()
    [genuine] = bank.pending
    bank.pending.clear()
    malformed = _variant(bank, genuine, **change)
    assert (await post_callback(malformed)).json()["result"] == answer
    # Redelivered, the malformed notice is stored and reported once.
    assert (await post_callback(malformed)).json()["result"] == "duplicate"
    assert (await post_callback(genuine)).json()["result"] == "applied"
    assert (await post_callback(genuine)).json()["result"] == "duplicate"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 8_000
    stored = await _callbacks(db)
    assert [outcome for outcome, _ in stored] == [answer, "applied"]
    assert stored[1][1] == f"succeeded:{genuine.payload['channel_reference']}"
    async with db.transaction(readonly=True) as session:
        anomalies = list(await session.scalars(select(OutboxEvent.payload).where(
            OutboxEvent.topic == "payment.callback_anomaly")))
    assert len(anomalies) == 1 and anomalies[0]["merchant_reference"] == created["reference"]


async def test_a_notice_after_the_order_is_final_is_an_anomaly_once(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    assert (await deposit(client, investor["headers"], 50_000)).status_code == 201
    await bank.deliver_pending(post_callback)
    assert (await withdraw(client, investor["headers"], 20_000)).status_code == 201
    [paid] = bank.pending
    await bank.deliver_pending(post_callback)
    late_failure = _variant(bank, paid, status="failed")
    for expected in ("anomaly", "duplicate"):
        assert (await post_callback(late_failure)).json()["result"] == expected
    assert (await post_callback(paid)).json()["result"] == "duplicate"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 30_000
    listed = [outcome for outcome, _ in await _callbacks(db)]
    assert listed == ["applied", "applied", "anomaly"]


async def test_a_channel_reference_that_settled_another_order_is_an_anomaly(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    first = (await deposit(client, investor["headers"], 1_000)).json()
    second = (await deposit(client, investor["headers"], 1_000)).json()
    genuine_first, genuine_second = bank.pending
    bank.pending.clear()
    assert (await post_callback(genuine_first)).json()["result"] == "applied"
    reused = _variant(bank, genuine_second,
                      channel_reference=genuine_first.payload["channel_reference"])
    assert (await post_callback(reused)).json()["result"] == "anomaly"
    assert (await post_callback(genuine_second)).json()["result"] == "applied"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 2_000
    assert {first["reference"], second["reference"]} == {
        genuine_first.payload["merchant_reference"], genuine_second.payload["merchant_reference"]}
