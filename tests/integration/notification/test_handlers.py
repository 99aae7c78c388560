"""The inbox handlers: one message per outcome, redelivery and out-of-order delivery."""

from datetime import timedelta

from sqlalchemy import delete, select, update

from finplat.events.models import EventDelivery, OutboxEvent
from finplat.investment.events import HoldingPaid, OrderConfirmed, OrderRefunded
from finplat.notification import service as notification_service
from finplat.notification.models import NotificationMessage
from finplat.payment.events import (
    DepositFailed,
    DepositSucceeded,
    WithdrawalFailed,
    WithdrawalSucceeded,
)
from tests.integration.notification.helpers import dispatch_all, record
from tests.outbox import stored_event

USER = 41


def _deposit_ok(deposit_id: int = 1, amount_minor: int = 123_456) -> DepositSucceeded:
    return DepositSucceeded(deposit_id=deposit_id, user_id=USER, amount_minor=amount_minor,
                            currency="CNY", channel="bank")


async def _inbox(db, locale: str = "zh-CN", user_id: int = USER, limit: int = 100):
    return await notification_service.inbox(db, user_id=user_id, limit=limit, cursor=None,
                                            locale=locale)


async def _rows(db) -> list[NotificationMessage]:
    async with db.transaction(readonly=True) as session:
        return list(await session.scalars(select(NotificationMessage)
                                          .order_by(NotificationMessage.id)))


async def test_every_outcome_reaches_the_inbox_in_both_languages(db, clock) -> None:
    now = clock.now()
    events = [
        _deposit_ok(),
        DepositFailed(deposit_id=2, user_id=USER, amount_minor=500, currency="CNY",
                      channel="bank", reason="channel_refused"),
        WithdrawalSucceeded(withdrawal_id=3, user_id=USER, amount_minor=10_000, fee_minor=200,
                            currency="CNY", channel="bank"),
        WithdrawalFailed(withdrawal_id=4, user_id=USER, amount_minor=7_000, currency="CNY",
                         channel="bank", reason="account_closed"),
        OrderConfirmed(order_id=5, user_id=USER, product_id=99, amount_minor=100_000,
                       currency="CNY"),
        OrderRefunded(order_id=6, user_id=USER, product_id=99, amount_minor=50_000,
                      currency="CNY", reason="raise_failed"),
        HoldingPaid(holding_id=7, order_id=5, user_id=USER, product_id=99,
                    principal_minor=100_000, yield_minor=1_234, currency="CNY"),
    ]
    for offset, event in enumerate(events):
        await record(db, event, now=now + timedelta(minutes=offset))
    report = await dispatch_all(db, now=now + timedelta(hours=1))
    assert (report.delivered, report.failed) == (7, 0)

    zh = await _inbox(db)
    assert zh["unread"] == 7 and zh["next_cursor"] is None
    assert [item["title"] for item in zh["items"]] == [
        "到期兑付", "投资退款", "投资成功", "提现失败", "提现成功", "充值失败", "充值成功"]
    assert zh["items"][-1]["body"] == "您充值的 ¥1,234.56 已到账。"
    assert zh["items"][0]["body"] == "产品 #99已到期，本金 ¥1,000.00 与收益 ¥12.34 已转入您的账户。"
    assert zh["items"][0]["topic"] == "investment.holding_paid"
    en = await _inbox(db, "en")
    assert en["items"][-1]["body"] == "Your deposit of ¥1,234.56 is in your wallet."
    assert en["items"][4]["body"] == (
        "Your withdrawal of ¥100.00 was paid to your bank card (fee ¥2.00).")
    # Nothing about the person but the id: amounts, ids, product names.
    for row in await _rows(db):
        assert set(row.params) <= {"amount_minor", "fee_minor", "currency", "reason",
                                   "product_id", "product_name", "principal_minor",
                                   "yield_minor"}
    assert (await _inbox(db, user_id=USER + 1))["items"] == []


async def test_redelivery_never_writes_a_second_message(db, clock) -> None:
    now = clock.now()
    event_id = await record(db, _deposit_ok(), now=now)
    await dispatch_all(db, now=now)
    # Dispatching again: the event is settled, nothing runs.
    assert (await dispatch_all(db, now=now)).delivered == 0
    [message] = await _rows(db)
    await notification_service.mark_read(db, user_id=USER, message_id=message.id, now=now)

    # The delivery row lost (as if the handler's commit had not been recorded): it runs again.
    async def forget(session) -> None:
        await session.execute(delete(EventDelivery).where(EventDelivery.event_id == event_id))
        await session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id)
                              .values(dispatched_at=None))

    await db.run(forget)
    assert (await dispatch_all(db, now=now)).delivered == 1
    [again] = await _rows(db)
    assert again.id == message.id and again.read_at is not None

    # The same outcome published a second time (a second event): still one message.
    await record(db, _deposit_ok(), now=now)
    assert (await dispatch_all(db, now=now)).delivered == 1
    assert len(await _rows(db)) == 1
    assert (await _inbox(db))["unread"] == 0  # the same outcome again is no news


async def test_out_of_order_delivery_keeps_the_newest_outcome(db, clock) -> None:
    now = clock.now()
    paid = WithdrawalSucceeded(withdrawal_id=8, user_id=USER, amount_minor=10_000, fee_minor=0,
                               currency="CNY", channel="bank")
    failed = WithdrawalFailed(withdrawal_id=8, user_id=USER, amount_minor=10_000,
                              currency="CNY", channel="bank", reason="returned_by_bank")
    older = await record(db, paid, now=now)
    await record(db, failed, now=now + timedelta(seconds=5))
    # The older event is held back (as by a retry delay) and handled after the newer one.
    await db.run(lambda s: s.execute(update(OutboxEvent).where(OutboxEvent.id == older)
                                     .values(next_attempt_at=now + timedelta(hours=1))))
    assert (await dispatch_all(db, now=now + timedelta(minutes=1))).delivered == 1
    assert [i["title"] for i in (await _inbox(db))["items"]] == ["提现失败"]
    assert (await dispatch_all(db, now=now + timedelta(hours=2))).delivered == 1
    inbox = await _inbox(db)
    assert [i["title"] for i in inbox["items"]] == ["提现失败"]
    assert inbox["items"][0]["topic"] == "payment.withdrawal_failed"

    # In order, the newer replaces the older: refunded after confirmed.
    await record(db, OrderConfirmed(order_id=9, user_id=USER, product_id=1, amount_minor=100,
                                    currency="CNY"), now=now + timedelta(minutes=2))
    await record(db, OrderRefunded(order_id=9, user_id=USER, product_id=1, amount_minor=100,
                                   currency="CNY", reason="delisted"),
                 now=now + timedelta(minutes=3))
    await dispatch_all(db, now=now + timedelta(hours=2))
    inbox = await _inbox(db)
    assert [i["title"] for i in inbox["items"]] == ["投资退款", "提现失败"]
    assert inbox["unread"] == 2


async def test_a_payload_that_does_not_parse_is_a_failed_delivery(db, clock) -> None:
    now = clock.now()
    await db.run(lambda s: stored_event(
        s, topic=DepositSucceeded.topic, payload={"deposit_id": 1}, now=now))
    await record(db, _deposit_ok(deposit_id=2), now=now)
    report = await dispatch_all(db, now=now)
    assert (report.delivered, report.failed) == (1, 1)
    assert len(await _rows(db)) == 1
    async with db.transaction(readonly=True) as session:
        failed = await session.scalar(select(EventDelivery).where(EventDelivery.status == "failed"))
    assert failed.handler == "notification.deposit_succeeded"
    assert "payload does not match DepositSucceeded" in failed.last_error


async def test_two_deliveries_about_one_source_racing_leave_the_newer(db, clock) -> None:
    import asyncio

    now = clock.now()

    async def deliver(source: str, event_id: int, key: str) -> None:
        async def work(session) -> None:
            await notification_service.notify(
                session, user_id=USER, source=source, event_id=event_id,
                topic=f"payment.{key}", message_key=key,
                params={"amount_minor": 100, "currency": "CNY"}, occurred_at=now)
            await asyncio.sleep(0.05)  # hold the transaction open while the other one starts

        await db.run(work)

    for source, newer_first in (("withdrawal:77", True), ("withdrawal:78", False)):
        order = [(20, "withdrawal_failed"), (10, "withdrawal_succeeded")]
        if not newer_first:
            order.reverse()
        await asyncio.gather(deliver(source, *order[0]), deliver(source, *order[1]))
    rows = await _rows(db)
    assert [(r.source, r.event_id, r.message_key) for r in rows] == [
        ("withdrawal:77", 20, "withdrawal_failed"), ("withdrawal:78", 20, "withdrawal_failed")]
