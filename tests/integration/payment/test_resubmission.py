"""Orders whose hand-over to the channel was lost are handed over again, harmlessly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from finplat.core.db import Database
from finplat.payment import handover
from finplat.payment.channels import ChannelRegistry
from finplat.payment.simulator import SimulatedChannel
from tests.integration.payment.helpers import deposit, wallet, withdraw


async def test_stale_orders_are_resubmitted_once(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    channels: ChannelRegistry,
    post_callback: Any,
    clock: Any,
    monkeypatch: Any,
) -> None:
    await deposit(client, investor["headers"], 50_000)
    await bank.deliver_pending(post_callback)

    async def timeout(*_args: Any, **_kwargs: Any) -> Any:
        from finplat.payment.channels import ChannelTimeout

        raise ChannelTimeout("bank")

    # The channel does not answer: the orders stay pending / created (with the hold).
    with monkeypatch.context() as patch:
        patch.setattr(bank, "create_deposit_order", timeout)
        patch.setattr(bank, "send_withdrawal", timeout)
        assert (await deposit(client, investor["headers"], 7_000)).status_code == 201
        assert (await withdraw(client, investor["headers"], 20_000)).status_code == 201
    assert bank.pending == []
    assert (await wallet(db, investor["user_id"]))["frozen_minor"] == 20_000

    assert (
        await handover.resubmit_stale(
            db=db, channels=channels, older_than=timedelta(minutes=10), now=clock.now()
        )
        == 0
    )  # too recent
    clock.advance(timedelta(minutes=11))
    assert (
        await handover.resubmit_stale(
            db=db, channels=channels, older_than=timedelta(minutes=10), now=clock.now()
        )
        == 2
    )
    await bank.deliver_pending(post_callback)
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": 50_000 + 7_000 - 20_000,
        "available_minor": 37_000,
        "frozen_minor": 0,
        "currency": "CNY",
    }
    # Nothing is left to resubmit; and a channel asked twice about one order answers once.
    clock.advance(timedelta(minutes=11))
    assert (
        await handover.resubmit_stale(
            db=db, channels=channels, older_than=timedelta(minutes=10), now=clock.now()
        )
        == 0
    )


async def test_the_channel_recognises_an_order_it_already_has(
    client: httpx.AsyncClient,
    db: Database,
    investor: dict[str, Any],
    bank: SimulatedChannel,
    channels: ChannelRegistry,
    post_callback: Any,
    clock: Any,
) -> None:
    created = (await deposit(client, investor["headers"], 3_000)).json()
    # The first notification is lost; resubmitting makes the channel notify again.
    bank.pending.clear()
    clock.advance(timedelta(minutes=11))
    assert (
        await handover.resubmit_stale(
            db=db, channels=channels, older_than=timedelta(minutes=10), now=clock.now()
        )
        == 1
    )
    [again] = bank.pending
    assert again.payload["merchant_reference"] == created["reference"]
    await bank.deliver_pending(post_callback)
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 3_000
    statement = await bank.fetch_statement(clock.now().date())
    assert statement.count(created["reference"].encode()) == 1
