"""A campaign's budget in the ledger: every fen marketing spends moves through here.

Funding debits the platform's marketing expense and credits the campaign's budget account
(reference ``campaign:<id>``), an account the ledger never lets go below zero: a red packet,
a cash-back or a rate boost is paid from it or not at all, so no campaign can overspend.
Closing a campaign credits the unspent rest back to marketing expense.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import Conflict, DomainError
from finplat.core.money import Money
from finplat.ledger import service as ledger_service
from finplat.marketing.models import Campaign

T = TypeVar("T")

# Ledger account kinds (``finplat.ledger.chart``).
CAMPAIGN_BUDGET = "campaign_budget"
MARKETING_EXPENSE = "marketing_expense"
CODE_FUND = "marketing_fund"
CODE_RETURN = "marketing_return"
CODE_RED_PACKET = "red_packet"
CODE_COUPON = "coupon"


def _reference(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def _account(campaign: Campaign) -> int:
    assert campaign.budget_account_id is not None, "a campaign opens its budget when created"
    return campaign.budget_account_id


class BudgetExhausted(Conflict):
    def __init__(self, campaign_id: int) -> None:
        super().__init__("marketing.budget_exhausted",
                         "this campaign's budget cannot pay for this any more",
                         extra={"campaign_id": campaign_id})


async def _budget_guard(campaign_id: int, work: Awaitable[T]) -> T:
    try:
        return await work
    except DomainError as error:
        if error.code == "ledger.insufficient_funds":
            raise BudgetExhausted(campaign_id) from None
        raise


async def open_account(session: AsyncSession, *, campaign_id: int, now: datetime) -> int:
    """The campaign's budget account id, opened on first use (idempotent)."""
    return await ledger_service.account_for(
        session, kind=CAMPAIGN_BUDGET, reference=_reference(campaign_id), now=now,
        name=f"Budget of campaign {campaign_id}")


async def _expense_account(session: AsyncSession, *, now: datetime) -> int:
    return await ledger_service.platform_account(session, kind=MARKETING_EXPENSE, now=now)


async def _wallet(session: AsyncSession, *, user_id: int, now: datetime) -> int:
    # Callers have checked the user is verified; the wallet that verification opens (an event
    # handler, after the commit) may not be there yet, and opening it is get-or-create.
    return await ledger_service.open_customer_wallet(session, user_id=user_id, now=now)


@dataclass(frozen=True, slots=True)
class BudgetFigures:
    available_minor: int  # what the budget can still pay
    held_minor: int  # what coupons reserved by orders hold


async def figures(session: AsyncSession, *, campaign: Campaign) -> BudgetFigures:
    """The budget's figures, read from the ledger."""
    balance = await ledger_service.balance(session, account_id=_account(campaign))
    return BudgetFigures(available_minor=balance.available.amount_minor,
                         held_minor=balance.frozen.amount_minor)


async def fund(session: AsyncSession, *, campaign: Campaign, amount_minor: int, source_id: str,
               now: datetime) -> int:
    """Marketing expense -> budget. ``source_id`` names this funding once in the ledger."""
    return await ledger_service.transfer(
        session, source_type="marketing_campaign_fund", source_id=source_id, code=CODE_FUND,
        debit_account_id=await _expense_account(session, now=now),
        credit_account_id=_account(campaign), amount=Money(amount_minor), now=now,
        reference=_reference(campaign.id))


async def return_unspent(session: AsyncSession, *, campaign: Campaign, now: datetime) -> int:
    """Budget -> marketing expense for everything not held; adds it to ``returned_minor``."""
    budget_id = _account(campaign)
    unspent = (await ledger_service.balance(session, account_id=budget_id)).available.amount_minor
    if unspent <= 0:
        return 0
    sequence = campaign.returned_minor + unspent  # grows with every return: a unique source id
    await ledger_service.transfer(
        session, source_type="marketing_campaign_return",
        source_id=f"{campaign.id}:{sequence}", code=CODE_RETURN, debit_account_id=budget_id,
        credit_account_id=await _expense_account(session, now=now), amount=Money(unspent),
        now=now, reference=_reference(campaign.id))
    campaign.returned_minor = sequence
    return unspent


async def sweep_if_closed(session: AsyncSession, *, campaign: Campaign, now: datetime) -> int:
    """After a hold of a closed campaign gives money back, return that money too."""
    if campaign.status != "closed":
        return 0
    return await return_unspent(session, campaign=campaign, now=now)


async def pay(session: AsyncSession, *, campaign: Campaign, user_id: int, amount_minor: int,
              source_type: str, source_id: str, now: datetime) -> int:
    """Budget -> the user's wallet. Raises ``BudgetExhausted`` (409 marketing.budget_exhausted)."""
    wallet_id = await _wallet(session, user_id=user_id, now=now)
    return await _budget_guard(campaign.id, ledger_service.transfer(
        session, source_type=source_type, source_id=source_id, code=CODE_RED_PACKET,
        debit_account_id=_account(campaign), credit_account_id=wallet_id,
        amount=Money(amount_minor), now=now, reference=_reference(campaign.id)))


async def hold(session: AsyncSession, *, campaign: Campaign, user_id: int, amount_minor: int,
               source_id: str, now: datetime) -> int:
    """Hold ``amount_minor`` of the budget towards the user's wallet; returns the hold id.
    Raises ``BudgetExhausted``."""
    wallet_id = await _wallet(session, user_id=user_id, now=now)
    return await _budget_guard(campaign.id, ledger_service.hold(
        session, source_type="marketing_coupon", source_id=source_id, code=CODE_COUPON,
        debit_account_id=_account(campaign), credit_account_id=wallet_id,
        amount=Money(amount_minor), now=now, reference=_reference(campaign.id)))


async def post_hold(session: AsyncSession, *, hold_id: int, amount_minor: int,
                    now: datetime) -> int:
    """Pay ``amount_minor`` of a coupon's hold into the wallet; the rest is released."""
    return await ledger_service.post_hold(session, hold_id=hold_id, amount=Money(amount_minor),
                                          now=now)


async def void_hold(session: AsyncSession, *, hold_id: int, now: datetime) -> int:
    return await ledger_service.void_hold(session, hold_id=hold_id, now=now)
