"""The investment package's public API (``from finplat.investment import service``).

Use cases taking ``db`` run in their own transaction(s); see each module for details:
``suitability`` (questionnaire, assessments, qualification), ``orders`` (place, cancel),
``settlement`` (close a raise, delist, refunds), ``accrual`` (daily yield), ``payout``
(maturity), ``funding`` (the institution's settlement account).
"""

from __future__ import annotations

from finplat.investment.accrual import accrue_day, start_running
from finplat.investment.domain import check_suitability
from finplat.investment.funding import fund, settlement_view, withdraw
from finplat.investment.orders import OrderNotFound, cancel_order, place_order
from finplat.investment.payout import due_product_ids, pay_product
from finplat.investment.settlement import close_raise, delist, drain, unsettled_product_ids
from finplat.investment.suitability import (
    assess,
    current_assessment,
    current_qualification,
    declare_qualification,
    questionnaire_view,
)

__all__ = [
    "OrderNotFound",
    "accrue_day",
    "assess",
    "cancel_order",
    "check_suitability",
    "close_raise",
    "current_assessment",
    "current_qualification",
    "declare_qualification",
    "delist",
    "drain",
    "due_product_ids",
    "fund",
    "pay_product",
    "place_order",
    "questionnaire_view",
    "settlement_view",
    "start_running",
    "unsettled_product_ids",
    "withdraw",
]
