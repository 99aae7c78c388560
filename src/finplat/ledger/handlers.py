"""The ledger's event handlers (registered when ``finplat.runtime`` imports this module)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.events import dispatcher
from finplat.events.dispatcher import Event
from finplat.identity.events import KycVerified
from finplat.ledger import accounts


@dispatcher.on(KycVerified, name="ledger.open_wallet")
async def open_wallet(session: AsyncSession, event: KycVerified, meta: Event) -> None:
    """A verified customer gets a wallet. Opening is get-or-create, so redelivery is harmless,
    and a deposit credited or a red packet paid before this ran has opened it already."""
    await accounts.open_customer_wallet(session, user_id=event.user_id, now=meta.created_at)
