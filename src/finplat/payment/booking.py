"""The payment package's money movements, each through ``finplat.ledger.service`` in the
caller's transaction. Every entry is keyed by its business source (the order's reference), so
the ledger itself refuses to book the same deposit or withdrawal step twice.

Chart: a deposit debits custody cash (asset) and credits the customer's wallet (liability); a
withdrawal holds the amount on the wallet towards custody cash, then posts what the bank paid
out (custody cash credited) and books the fee from the released remainder to fee revenue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.money import Money
from finplat.ledger import service as ledger_service

CUSTODY_CASH = "custody_cash"
FEE_REVENUE = "fee_revenue"


class Order(Protocol):
    """What booking reads of an order: its ORM row or a row a statement returned."""

    @property
    def id(self) -> int: ...
    @property
    def user_id(self) -> int: ...
    @property
    def reference(self) -> str: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def channel(self) -> str: ...


class Withdrawal(Order, Protocol):
    @property
    def fee_minor(self) -> int: ...
    @property
    def hold_id(self) -> str: ...


async def credit_deposit(session: AsyncSession, *, deposit: Order, now: datetime) -> int:
    """Book a succeeded deposit; returns the entry id (also found by its source,
    ``payment_deposit`` + the order's reference)."""
    wallet_id, platform = await ledger_service.wallet_and_platform_ids(
        session, user_id=deposit.user_id, kinds=(CUSTODY_CASH,), now=now)
    return await ledger_service.transfer(
        session,
        source_type="payment_deposit",
        source_id=deposit.reference,
        code="deposit",
        debit_account_id=platform[CUSTODY_CASH],
        credit_account_id=wallet_id,
        amount=Money(deposit.amount_minor, deposit.currency),
        reference=deposit.reference,
        metadata={"channel": deposit.channel, "deposit_id": deposit.id},
        now=now,
    )


async def hold_withdrawal(
    session: AsyncSession, *, user_id: int, amount: Money, reference: str, now: datetime
) -> int:
    """Freeze ``amount`` on the user's wallet; returns the hold id.

    Raises ``Conflict('ledger.insufficient_funds')`` (and the ledger's account errors).
    """
    wallet_id, platform = await ledger_service.wallet_and_platform_ids(
        session, user_id=user_id, kinds=(CUSTODY_CASH,), now=now)
    return await ledger_service.hold(
        session,
        source_type="payment_withdrawal",
        source_id=reference,
        code="withdraw",
        debit_account_id=wallet_id,
        credit_account_id=platform[CUSTODY_CASH],
        amount=amount,
        reference=reference,
        now=now,
    )


async def settle_withdrawal(
    session: AsyncSession, *, withdrawal: Withdrawal, now: datetime
) -> None:
    """Post the hold for what the channel paid out and the fee to fee revenue, atomically."""
    paid_out = withdrawal.amount_minor - withdrawal.fee_minor
    await ledger_service.post_hold(
        session,
        hold_id=int(withdrawal.hold_id),
        amount=Money(paid_out, withdrawal.currency),
        source_type="payment_withdrawal_post",
        source_id=withdrawal.reference,
        reference=withdrawal.reference,
        metadata={"channel": withdrawal.channel},
        now=now,
    )
    if withdrawal.fee_minor:
        # post_hold moves two legs only; the fee is a second entry in the same transaction,
        # taken from the part of the hold that the post just released (the wallet row is still
        # locked by this transaction, so nothing else can spend it in between).
        wallet_id, platform = await ledger_service.wallet_and_platform_ids(
            session, user_id=withdrawal.user_id, kinds=(FEE_REVENUE,), now=now)
        await ledger_service.transfer(
            session,
            source_type="payment_withdrawal_fee",
            source_id=withdrawal.reference,
            code="fee",
            debit_account_id=wallet_id,
            credit_account_id=platform[FEE_REVENUE],
            amount=Money(withdrawal.fee_minor, withdrawal.currency),
            reference=withdrawal.reference,
            metadata={"channel": withdrawal.channel},
            now=now,
        )


async def release_withdrawal(
    session: AsyncSession, *, withdrawal: Withdrawal, now: datetime
) -> None:
    """Void the hold: the money is available again."""
    await ledger_service.void_hold(
        session,
        hold_id=int(withdrawal.hold_id),
        source_type="payment_withdrawal_void",
        source_id=withdrawal.reference,
        reference=withdrawal.reference,
        now=now,
    )
