"""Verification opens the wallet in its own transaction; the event's handler (for a
verification committed without one) finds it and opens no second, on redelivery too."""

from sqlalchemy import delete, func, select, update

from finplat.events.models import EventDelivery, OutboxEvent
from finplat.identity import kyc
from finplat.ledger import service as ledger_service
from finplat.ledger.models import LedgerAccount
from tests import factories


async def _wallet(db, user_id: int) -> int | None:
    async with db.transaction(readonly=True) as session:
        return await ledger_service.wallet_of(session, user_id)


async def _verify(db, user_id: int, now) -> None:
    await kyc.verify(db, user_id=user_id, real_name="张三", id_number=factories.unique_id_number(),
                     bank_card_number=None, bank_reserved_phone=None, now=now,
                     minimum_age_years=18, provider=kyc.SimulatedIdentityProvider())


async def test_the_wallet_exists_when_verification_commits(db, clock) -> None:
    now = clock.now()
    user_id = await factories.make_user(db, now=now, verified=False)
    await _verify(db, user_id, now)
    # No event delivered yet: the wallet came with the verification itself.
    assert await _wallet(db, user_id) is not None


async def test_the_kyc_event_opens_the_wallet_once(db, clock) -> None:
    now = clock.now()
    user_id = await factories.make_user(db, now=now, verified=False)
    await _verify(db, user_id, now)
    wallet = await _wallet(db, user_id)
    await factories.deliver_events(db, now=now)
    assert wallet is not None and await _wallet(db, user_id) == wallet

    async def forget(session) -> None:
        event_id = await session.scalar(select(OutboxEvent.id).where(
            OutboxEvent.topic == "identity.kyc_verified"))
        await session.execute(delete(EventDelivery).where(EventDelivery.event_id == event_id))
        await session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id)
                              .values(dispatched_at=None))

    await db.run(forget)
    await factories.deliver_events(db, now=now)
    assert await _wallet(db, user_id) == wallet
    async with db.transaction(readonly=True) as session:
        wallets = await session.scalar(select(func.count()).select_from(LedgerAccount).where(
            LedgerAccount.owner_user_id == user_id))
        delivered = await session.scalar(select(func.count()).select_from(EventDelivery).where(
            EventDelivery.handler == "ledger.open_wallet", EventDelivery.status == "done"))
    assert (wallets, delivered) == (1, 1)


async def test_the_handler_opens_a_wallet_missing_after_verification(db, clock) -> None:
    now = clock.now()
    user_id = await factories.make_user(db, now=now, verified=False)
    await _verify(db, user_id, now)
    await db.run(lambda s: s.execute(delete(LedgerAccount).where(
        LedgerAccount.owner_user_id == user_id)))
    assert await _wallet(db, user_id) is None
    await factories.deliver_events(db, now=now)
    assert await _wallet(db, user_id) is not None
