"""Event handlers that fill the inbox (registered when ``finplat.runtime`` imports this module).

Each message is keyed by what it is about (``deposit:12``, ``order:7``): a redelivered event,
or the same outcome published twice, finds the message there and changes nothing; events about
one source handled out of order leave the newest one's message (``service.notify``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.events import dispatcher
from finplat.events.dispatcher import Event
from finplat.investment.events import HoldingPaid, OrderConfirmed, OrderRefunded
from finplat.lending.events import (
    ApplicationApproved,
    ApplicationRejected,
    BidRefunded,
    ClaimRecorded,
    InstallmentDueSoon,
    InstallmentOverdue,
    LoanDisbursed,
    RepaymentReceived,
)
from finplat.notification import service as notification_service
from finplat.payment.events import (
    DepositFailed,
    DepositSucceeded,
    WithdrawalFailed,
    WithdrawalSucceeded,
)
from finplat.product import service as product_service


async def _notify(session: AsyncSession, meta: Event, *, user_id: int, source: str,
                  message_key: str, params: dict[str, Any]) -> None:
    await notification_service.notify(session, user_id=user_id, source=source, event_id=meta.id,
                                      topic=meta.topic, message_key=message_key, params=params,
                                      occurred_at=meta.created_at)


async def _product_name(session: AsyncSession, product_id: int) -> str | None:
    # The name as it was when the message was written: a product is not personal data, and
    # the inbox then reads without a join into another package's tables.
    try:
        product = await product_service.get(session, product_id=product_id)
    except product_service.ProductNotFound:
        return None
    return product.name


@dispatcher.on(DepositSucceeded, name="notification.deposit_succeeded")
async def deposit_succeeded(session: AsyncSession, event: DepositSucceeded, meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id, source=f"deposit:{event.deposit_id}",
                  message_key="deposit_succeeded",
                  params={"amount_minor": event.amount_minor, "currency": event.currency})


@dispatcher.on(DepositFailed, name="notification.deposit_failed")
async def deposit_failed(session: AsyncSession, event: DepositFailed, meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id, source=f"deposit:{event.deposit_id}",
                  message_key="deposit_failed",
                  params={"amount_minor": event.amount_minor, "currency": event.currency,
                          "reason": event.reason[:64]})


@dispatcher.on(WithdrawalSucceeded, name="notification.withdrawal_succeeded")
async def withdrawal_succeeded(session: AsyncSession, event: WithdrawalSucceeded,
                               meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id,
                  source=f"withdrawal:{event.withdrawal_id}", message_key="withdrawal_succeeded",
                  params={"amount_minor": event.amount_minor, "fee_minor": event.fee_minor,
                          "currency": event.currency})


@dispatcher.on(WithdrawalFailed, name="notification.withdrawal_failed")
async def withdrawal_failed(session: AsyncSession, event: WithdrawalFailed, meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id,
                  source=f"withdrawal:{event.withdrawal_id}", message_key="withdrawal_failed",
                  params={"amount_minor": event.amount_minor, "currency": event.currency,
                          "reason": event.reason[:64]})


@dispatcher.on(OrderConfirmed, name="notification.order_confirmed")
async def order_confirmed(session: AsyncSession, event: OrderConfirmed, meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id, source=f"order:{event.order_id}",
                  message_key="order_confirmed",
                  params={"amount_minor": event.amount_minor, "currency": event.currency,
                          "product_id": event.product_id,
                          "product_name": await _product_name(session, event.product_id)})


@dispatcher.on(OrderRefunded, name="notification.order_refunded")
async def order_refunded(session: AsyncSession, event: OrderRefunded, meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id, source=f"order:{event.order_id}",
                  message_key="order_refunded",
                  params={"amount_minor": event.amount_minor, "currency": event.currency,
                          "product_id": event.product_id, "reason": event.reason[:32],
                          "product_name": await _product_name(session, event.product_id)})


@dispatcher.on(HoldingPaid, name="notification.holding_paid")
async def holding_paid(session: AsyncSession, event: HoldingPaid, meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id, source=f"holding:{event.holding_id}",
                  message_key="holding_paid",
                  params={"principal_minor": event.principal_minor,
                          "yield_minor": event.yield_minor, "currency": event.currency,
                          "product_id": event.product_id,
                          "product_name": await _product_name(session, event.product_id)})


@dispatcher.on(InstallmentDueSoon, name="notification.installment_due_soon")
async def installment_due_soon(session: AsyncSession, event: InstallmentDueSoon,
                               meta: Event) -> None:
    await _notify(session, meta, user_id=event.borrower_user_id,
                  source=f"installment:{event.installment_id}:due_soon",
                  message_key="installment_due_soon",
                  params={"amount_minor": event.amount_minor, "currency": event.currency,
                          "loan_id": event.loan_id, "number": event.number,
                          "due_date": event.due_date})


@dispatcher.on(InstallmentOverdue, name="notification.installment_overdue")
async def installment_overdue(session: AsyncSession, event: InstallmentOverdue,
                              meta: Event) -> None:
    await _notify(session, meta, user_id=event.borrower_user_id,
                  source=f"installment:{event.installment_id}:overdue",
                  message_key="installment_overdue",
                  params={"amount_minor": event.owed_minor, "currency": event.currency,
                          "loan_id": event.loan_id, "number": event.number,
                          "due_date": event.due_date, "days": event.days_past_due})


@dispatcher.on(RepaymentReceived, name="notification.repayment_received")
async def repayment_received(session: AsyncSession, event: RepaymentReceived,
                             meta: Event) -> None:
    await _notify(session, meta, user_id=event.borrower_user_id,
                  source=f"loan_receipt:{event.receipt_id}", message_key="repayment_received",
                  params={"amount_minor": event.amount_minor, "currency": event.currency,
                          "loan_id": event.loan_id})


@dispatcher.on(LoanDisbursed, name="notification.loan_disbursed")
async def loan_disbursed(session: AsyncSession, event: LoanDisbursed, meta: Event) -> None:
    await _notify(session, meta, user_id=event.borrower_user_id, source=f"loan:{event.loan_id}",
                  message_key="loan_disbursed",
                  params={"loan_id": event.loan_id, "amount_minor": event.amount_minor,
                          "net_minor": event.net_minor, "currency": event.currency})


@dispatcher.on(ClaimRecorded, name="notification.loan_claim_recorded")
async def loan_claim_recorded(session: AsyncSession, event: ClaimRecorded, meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id, source=f"loan_claim:{event.claim_id}",
                  message_key="loan_claim",
                  params={"loan_id": event.loan_id, "principal_minor": event.principal_minor,
                          "currency": event.currency})


@dispatcher.on(BidRefunded, name="notification.loan_bid_refunded")
async def loan_bid_refunded(session: AsyncSession, event: BidRefunded, meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id, source=f"loan_bid:{event.bid_id}",
                  message_key="loan_bid_refunded",
                  params={"loan_id": event.loan_id, "amount_minor": event.amount_minor,
                          "currency": event.currency})


async def _application_reviewed(session: AsyncSession, event: ApplicationApproved
                                | ApplicationRejected, meta: Event) -> None:
    await _notify(session, meta, user_id=event.user_id,
                  source=f"loan_application:{event.application_id}",
                  message_key="loan_application",
                  params={"application_id": event.application_id, "status": event.status,
                          "amount_minor": event.amount_minor, "currency": event.currency})


@dispatcher.on(ApplicationApproved, name="notification.loan_application_approved")
async def loan_application_approved(session: AsyncSession, event: ApplicationApproved,
                                    meta: Event) -> None:
    await _application_reviewed(session, event, meta)


@dispatcher.on(ApplicationRejected, name="notification.loan_application_rejected")
async def loan_application_rejected(session: AsyncSession, event: ApplicationRejected,
                                    meta: Event) -> None:
    await _application_reviewed(session, event, meta)
