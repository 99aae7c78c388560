"""Unfinished orders are settled by the recovery loop, exactly once, whatever was lost: the
hand-over, the ``sent`` mark, or the channel's callback."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.core.money import Money
from finplat.events.models import OutboxEvent
from finplat.payment import recovery, service
from finplat.payment.channels import ChannelRegistry, ChannelTimeout
from finplat.payment.config import PaymentSettings
from finplat.payment.models import PaymentDeposit, PaymentSimulatorTransaction, PaymentWithdrawal
from finplat.payment.simulator import SimulatedChannel
from tests.integration.payment.helpers import deposit, wallet, withdraw

POLICY = PaymentSettings(_env_file=None)
AFTER_GRACE = timedelta(seconds=POLICY.recovery_grace_seconds + 1)
AFTER_LEASE = timedelta(seconds=POLICY.recovery_retry_seconds + 1)


async def _recover(db: Database, channels: ChannelRegistry, clock: FrozenClock,
                   ) -> recovery.RecoveryReport:
    return await recovery.recover_once(db=db, channels=channels, policy=POLICY, now=clock.now())


async def _status(db: Database, model: Any, reference: str) -> str:
    async with db.transaction(readonly=True) as session:
        return str(await session.scalar(select(model.status).where(model.reference == reference)))


async def _count(db: Database, statement: Any) -> int:
    async with db.transaction(readonly=True) as session:
        return int(await session.scalar(statement) or 0)


async def _events(db: Database, topic: str) -> int:
    return await _count(db, select(func.count()).where(OutboxEvent.topic == topic))


async def _funded(client: httpx.AsyncClient, investor: dict[str, Any], bank: SimulatedChannel,
                  post_callback: Any, amount_minor: int = 100_000) -> None:
    assert (await deposit(client, investor["headers"], amount_minor)).status_code == 201
    await bank.deliver_pending(post_callback)


async def _silent_channel(*_args: Any, **_kwargs: Any) -> Any:
    raise ChannelTimeout("bank")


async def test_orders_whose_hand_over_timed_out_are_handed_over_again(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    channels: ChannelRegistry, post_callback: Any, clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _funded(client, investor, bank, post_callback, 50_000)
    with monkeypatch.context() as patch:
        patch.setattr(bank, "create_deposit_order", _silent_channel)
        patch.setattr(bank, "send_withdrawal", _silent_channel)
        assert (await deposit(client, investor["headers"], 7_000)).status_code == 201
        assert (await withdraw(client, investor["headers"], 20_000)).status_code == 201
    assert bank.pending == []
    assert (await _recover(db, channels, clock)).orders == 0  # still its request's to finish
    clock.advance(AFTER_GRACE)
    assert (await _recover(db, channels, clock)).resubmitted == 2
    assert (await _recover(db, channels, clock)).orders == 0  # leased: not looked at twice
    # The channel's callbacks are lost as well: the next pass asks the channel and settles.
    bank.pending.clear()
    clock.advance(AFTER_LEASE)
    assert (await _recover(db, channels, clock)).settled == 2
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": 50_000 + 7_000 - 20_000, "available_minor": 37_000,
        "frozen_minor": 0, "currency": "CNY"}
    clock.advance(AFTER_LEASE)
    assert (await _recover(db, channels, clock)).orders == 0


async def test_a_row_committed_before_a_crash_is_handed_over_and_settled(
    db: Database, investor: dict[str, Any], bank: SimulatedChannel, channels: ChannelRegistry,
    client: httpx.AsyncClient, post_callback: Any, clock: FrozenClock,
) -> None:
    await _funded(client, investor, bank, post_callback)
    opened = []
    for create in (service.create_deposit, service.create_withdrawal):
        extra = {"channel": "bank"} if create is service.create_deposit else {
            "channel": None, "bank_card_id": None}
        outcome = await create(
            db=db, user_id=investor["user_id"], amount=Money(30_000, "CNY"),
            idempotency_key=f"crash-{create.__name__}", policy=POLICY, currency="CNY",
            now=clock.now(), **extra)
        assert outcome.status_code == 201
        opened.append(outcome.body["reference"])  # ... and the process dies here
    clock.advance(AFTER_GRACE)
    assert (await _recover(db, channels, clock)).resubmitted == 2
    assert await _status(db, PaymentWithdrawal, opened[1]) == "sent"
    await bank.deliver_pending(post_callback)
    assert await _status(db, PaymentDeposit, opened[0]) == "succeeded"
    assert await _status(db, PaymentWithdrawal, opened[1]) == "succeeded"
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 100_000
    clock.advance(AFTER_LEASE)
    assert (await _recover(db, channels, clock)).orders == 0


async def test_handed_over_but_not_marked_sent(
    db: Database, investor: dict[str, Any], bank: SimulatedChannel, channels: ChannelRegistry,
    client: httpx.AsyncClient, post_callback: Any, clock: FrozenClock,
) -> None:
    from finplat.payment.channels import WithdrawalOrder

    await _funded(client, investor, bank, post_callback)
    outcome = await service.create_withdrawal(
        db=db, user_id=investor["user_id"], amount=Money(40_000, "CNY"), bank_card_id=None,
        channel=None, idempotency_key="w", policy=POLICY, currency="CNY", now=clock.now())
    body = outcome.body
    order = WithdrawalOrder(body["reference"], 40_000, "CNY", investor["user_id"],
                            body["bank_card_id"])
    assert (await channels.send_withdrawal("bank", order, now=clock.now())).accepted
    bank.pending.clear()  # the process died before marking it sent, its callback lost with it
    assert await _status(db, PaymentWithdrawal, body["reference"]) == "created"
    clock.advance(AFTER_GRACE)
    assert (await _recover(db, channels, clock)).settled == 1
    assert await _status(db, PaymentWithdrawal, body["reference"]) == "succeeded"
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": 60_000, "available_minor": 60_000, "frozen_minor": 0,
        "currency": "CNY"}
    assert await _count(db, select(func.count()).select_from(PaymentSimulatorTransaction)
                        .where(PaymentSimulatorTransaction.merchant_reference
                               == body["reference"])) == 1


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
async def test_a_sent_withdrawal_whose_callback_was_lost_is_settled(
    db: Database, investor: dict[str, Any], bank: SimulatedChannel, channels: ChannelRegistry,
    client: httpx.AsyncClient, post_callback: Any, clock: FrozenClock, outcome: str,
) -> None:
    await _funded(client, investor, bank, post_callback)
    if outcome == "failed":
        bank.fail_next("account closed")
    created = (await withdraw(client, investor["headers"], 25_000)).json()
    assert await _status(db, PaymentWithdrawal, created["reference"]) == "sent"
    [lost] = bank.pending
    bank.pending.clear()
    clock.advance(AFTER_GRACE)
    assert (await _recover(db, channels, clock)).settled == 1
    assert await _status(db, PaymentWithdrawal, created["reference"]) == outcome
    paid = 25_000 if outcome == "succeeded" else 0
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": 100_000 - paid, "available_minor": 100_000 - paid, "frozen_minor": 0,
        "currency": "CNY"}
    # The callback arrives after all: nothing changes.
    assert (await post_callback(lost)).json()["result"] == "duplicate"
    assert await _events(db, f"payment.withdrawal_{outcome}") == 1


async def test_an_order_the_channel_never_received_is_failed_when_too_old(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    channels: ChannelRegistry, post_callback: Any, clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _funded(client, investor, bank, post_callback, 50_000)
    with monkeypatch.context() as patch:
        patch.setattr(bank, "create_deposit_order", _silent_channel)
        patch.setattr(bank, "send_withdrawal", _silent_channel)
        patch.setattr(bank, "query", _silent_channel)
        created = (await deposit(client, investor["headers"], 7_000)).json()
        held = (await withdraw(client, investor["headers"], 20_000)).json()
        clock.advance(AFTER_GRACE)
        assert (await _recover(db, channels, clock)).waiting == 2  # the channel is silent
    clock.advance(timedelta(minutes=POLICY.recovery_give_up_minutes))
    assert (await _recover(db, channels, clock)).failed == 2
    assert await _status(db, PaymentDeposit, created["reference"]) == "failed"
    assert await _status(db, PaymentWithdrawal, held["reference"]) == "failed"
    assert await wallet(db, investor["user_id"]) == {
        "balance_minor": 50_000, "available_minor": 50_000, "frozen_minor": 0,
        "currency": "CNY"}
    async with db.transaction(readonly=True) as session:
        payloads = list(await session.scalars(
            select(OutboxEvent.payload).where(OutboxEvent.topic.in_(
                ("payment.deposit_failed", "payment.withdrawal_failed")))
            .order_by(OutboxEvent.id)))
    assert [p["reason"] for p in payloads] == [recovery.NEVER_RECEIVED] * 2
    assert bank.pending == []  # never handed over after giving up


async def test_two_recovery_loops_settle_each_order_once(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    channels: ChannelRegistry, post_callback: Any, clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _funded(client, investor, bank, post_callback)
    references = []
    for _ in range(3):
        references.append((await withdraw(client, investor["headers"], 10_000)).json()["reference"])
    with monkeypatch.context() as patch:
        patch.setattr(bank, "create_deposit_order", _silent_channel)
        for amount in (1_000, 2_000):
            references.append((await deposit(client, investor["headers"], amount)).json()[
                "reference"])
    bank.pending.clear()  # every callback lost
    clock.advance(AFTER_GRACE)
    other = Database(db.url, pool_size=5)  # a second process
    try:
        reports = await asyncio.gather(
            recovery.recover_once(db=db, channels=channels, policy=POLICY, now=clock.now()),
            recovery.recover_once(db=other, channels=channels, policy=POLICY, now=clock.now()))
    finally:
        await other.dispose()
    assert sum(r.settled for r in reports) == 3 and sum(r.resubmitted for r in reports) == 2
    await bank.deliver_pending(post_callback)
    assert await _events(db, "payment.withdrawal_succeeded") == 3
    assert await _events(db, "payment.deposit_succeeded") == 3  # the funding one and two
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 100_000 - 30_000 + 3_000
    assert await _count(db, select(func.count(func.distinct(
        PaymentSimulatorTransaction.merchant_reference)))) == 6
    assert await _count(db, select(func.count()).select_from(PaymentSimulatorTransaction)) == 6


async def test_a_callback_racing_the_recovery_loop_settles_once(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    channels: ChannelRegistry, post_callback: Any, clock: FrozenClock,
) -> None:
    await _funded(client, investor, bank, post_callback)
    created = (await withdraw(client, investor["headers"], 30_000)).json()
    [callback] = bank.pending
    bank.pending.clear()
    clock.advance(AFTER_GRACE)
    report, response = await asyncio.gather(
        recovery.recover_once(db=db, channels=channels, policy=POLICY, now=clock.now()),
        post_callback(callback))
    results = {response.json()["result"], "applied" if report.settled else "duplicate"}
    assert results == {"applied", "duplicate"}
    assert await _status(db, PaymentWithdrawal, created["reference"]) == "succeeded"
    assert await _events(db, "payment.withdrawal_succeeded") == 1
    assert (await wallet(db, investor["user_id"]))["balance_minor"] == 70_000


async def test_the_simulator_answers_status_queries(
    client: httpx.AsyncClient, investor: dict[str, Any], bank: SimulatedChannel,
    post_callback: Any,
) -> None:
    assert (await bank.query("DPnever")).state == "unknown"
    bank.reject_next()
    refused = (await deposit(client, investor["headers"], 1_000)).json()
    assert (await bank.query(refused["reference"])).state == "unknown"
    bank.fail_next("card frozen")
    failed = (await deposit(client, investor["headers"], 2_000)).json()
    answer = await bank.query(failed["reference"])
    assert (answer.state, answer.kind, answer.amount_minor, answer.reason) == (
        "failed", "deposit", 2_000, "card frozen")
    await bank.deliver_pending(post_callback)


async def test_the_background_loops_of_serve_run_the_recovery(
    app: Any, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    client: httpx.AsyncClient, post_callback: Any, clock: FrozenClock,
) -> None:
    from finplat.runtime import BackgroundLoops

    await _funded(client, investor, bank, post_callback)
    created = (await withdraw(client, investor["headers"], 10_000)).json()
    bank.pending.clear()  # the callback is lost
    clock.advance(AFTER_GRACE)
    loops = BackgroundLoops(db, clock, dispatch=False, schedule=False, seal=False,
                            app_state=app.state)
    loops.start()
    try:
        for _ in range(250):  # the first pass runs at once
            if await _status(db, PaymentWithdrawal, created["reference"]) == "succeeded":
                break
            await asyncio.sleep(0.02)
    finally:
        await loops.shutdown()
    assert await _status(db, PaymentWithdrawal, created["reference"]) == "succeeded"
    assert all(task.done() for task in loops.tasks)


async def test_one_orders_bad_channel_answer_does_not_hold_up_the_others(
    client: httpx.AsyncClient, db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    channels: ChannelRegistry, post_callback: Any, clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from finplat.payment.channels import ChannelStatus

    await _funded(client, investor, bank, post_callback)
    first = (await withdraw(client, investor["headers"], 10_000)).json()
    second = (await withdraw(client, investor["headers"], 20_000)).json()
    bank.pending.clear()
    real_query = bank.query

    async def query(reference: str) -> ChannelStatus:
        if reference == first["reference"]:
            return ChannelStatus("succeeded")  # no amount, no reference: not a notice
        return await real_query(reference)

    monkeypatch.setattr(bank, "query", query)
    clock.advance(AFTER_GRACE)
    report = await _recover(db, channels, clock)
    assert (report.settled, report.waiting) == (1, 1)
    assert await _status(db, PaymentWithdrawal, first["reference"]) == "sent"
    assert await _status(db, PaymentWithdrawal, second["reference"]) == "succeeded"
    monkeypatch.setattr(bank, "query", real_query)
    clock.advance(AFTER_LEASE)
    assert (await _recover(db, channels, clock)).settled == 1
    assert await _status(db, PaymentWithdrawal, first["reference"]) == "succeeded"


async def test_the_worker_runs_the_recovery_with_channels_of_its_own(
    db: Database, investor: dict[str, Any], bank: SimulatedChannel,
    client: httpx.AsyncClient, post_callback: Any, clock: FrozenClock,
) -> None:
    from finplat import runtime

    await _funded(client, investor, bank, post_callback)
    created = (await withdraw(client, investor["headers"], 10_000)).json()
    bank.pending.clear()
    clock.advance(AFTER_GRACE)
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.recovery_loop(db, clock=clock, stop=stop))
    try:
        for _ in range(250):
            if await _status(db, PaymentWithdrawal, created["reference"]) == "succeeded":
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert await _status(db, PaymentWithdrawal, created["reference"]) == "succeeded"
