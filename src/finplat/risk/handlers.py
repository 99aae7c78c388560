"""Monitoring's event handlers (registered when ``finplat.runtime`` imports this module): each
typed event becomes an ``Activity`` evaluated by ``monitoring.Monitor``; real-name
verification also screens the verified name against the watch lists.

Idempotent: an activity is keyed by its event's source (``deposit:12``), so a redelivered
event finds it and evaluates nothing again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import business_date
from finplat.events import dispatcher
from finplat.events.dispatcher import Event
from finplat.identity import queries as identity_queries
from finplat.identity.events import KycVerified, LoggedIn, LoginFailed
from finplat.investment.events import HoldingPaid, OrderConfirmed
from finplat.lending.events import LoanPrepaid
from finplat.payment.events import DepositSucceeded, WithdrawalSucceeded
from finplat.risk import screening
from finplat.risk.evaluators import Activity
from finplat.risk.monitoring import Monitor


def activity(*, source: str, user_id: int, kind: str, direction: str, amount_minor: int,
             currency: str, at: datetime, **facts: Any) -> Activity:
    return Activity(source=source, user_id=user_id, kind=kind, direction=direction,
                    amount_minor=amount_minor, currency=currency, occurred_at=at,
                    business_date=business_date(at), **facts)


def from_event(event: Any, meta: Event) -> Activity | None:
    """The activity an event stands for, None for one monitoring does not watch."""
    at = meta.created_at
    match event:
        case DepositSucceeded():
            return activity(source=f"deposit:{event.deposit_id}", user_id=event.user_id,
                            kind="deposit", direction="in", amount_minor=event.amount_minor,
                            currency=event.currency, at=at, channel=event.channel,
                            counterparty=f"channel:{event.channel}",
                            reference=f"deposit:{event.deposit_id}")
        case WithdrawalSucceeded():
            return activity(source=f"withdrawal:{event.withdrawal_id}", user_id=event.user_id,
                            kind="withdrawal", direction="out", amount_minor=event.amount_minor,
                            currency=event.currency, at=at, channel=event.channel,
                            counterparty=f"channel:{event.channel}",
                            reference=f"withdrawal:{event.withdrawal_id}")
        case OrderConfirmed():
            return activity(source=f"order:{event.order_id}", user_id=event.user_id,
                            kind="investment", direction="out", amount_minor=event.amount_minor,
                            currency=event.currency, at=at,
                            counterparty=f"product:{event.product_id}",
                            reference=f"order:{event.order_id}")
        case HoldingPaid():
            return activity(source=f"holding:{event.holding_id}", user_id=event.user_id,
                            kind="payout", direction="in",
                            amount_minor=event.principal_minor + event.yield_minor,
                            currency=event.currency, at=at,
                            counterparty=f"product:{event.product_id}",
                            reference=f"holding:{event.holding_id}")
        case LoggedIn():
            return activity(source=f"login:{meta.id}", user_id=event.user_id, kind="login",
                            direction="none", amount_minor=0, currency="CNY", at=at,
                            device=event.device_fingerprint)
        case LoginFailed():
            return activity(source=f"login:{meta.id}", user_id=event.user_id,
                            kind="login_failed", direction="none", amount_minor=0,
                            currency="CNY", at=at, device=event.device_fingerprint,
                            failures=event.failures)
    return None


async def _monitor(session: AsyncSession, event: Any, meta: Event) -> None:
    found = from_event(event, meta)
    if found is not None:
        await Monitor().evaluate(session, [found], now=meta.created_at)


for _event_class, _name in (
    (DepositSucceeded, "risk.monitor_deposit"),
    (WithdrawalSucceeded, "risk.monitor_withdrawal"),
    (OrderConfirmed, "risk.monitor_order"),
    (HoldingPaid, "risk.monitor_payout"),
    (LoggedIn, "risk.monitor_login"),
    (LoginFailed, "risk.monitor_login_failed"),
):
    dispatcher.on(_event_class, name=_name)(_monitor)


@dispatcher.on(KycVerified, name="risk.kyc_verified")
async def kyc_verified(session: AsyncSession, event: KycVerified, meta: Event) -> None:
    """Screen the verified name, and link the bound card (many users on one card)."""
    await screening.screen_user(session, user_id=event.user_id, now=meta.created_at)
    card = None
    if event.bank_card_id is not None:
        card = await identity_queries.card_fingerprint(session, event.bank_card_id)
    await Monitor().evaluate(session, [activity(
        source=f"kyc:{event.user_id}", user_id=event.user_id, kind="kyc", direction="none",
        amount_minor=0, currency="CNY", at=meta.created_at, card=card)], now=meta.created_at)


@dispatcher.on(LoanPrepaid, name="risk.monitor_loan_prepaid")
async def loan_prepaid(session: AsyncSession, event: LoanPrepaid, meta: Event) -> None:
    """Early loan payoff out of line with declared income: ``lending.loan_prepaid`` carries
    the prepaid amount and the monthly income declared in the application."""
    await Monitor().evaluate(session, [activity(
        source=f"loan_prepaid:{meta.id}", user_id=event.user_id, kind="loan_prepaid",
        direction="out", amount_minor=event.amount_minor, currency=event.currency,
        at=meta.created_at, reference=f"loan:{event.loan_id}",
        declared_income_minor=event.declared_monthly_income_minor)], now=meta.created_at)
