"""The product package's public API (``from finplat.product import service``).

Use cases taking ``db`` run in one transaction each; functions taking ``session`` run in the
caller's. Only this package writes the product tables: the investment package drives quota,
raise end, delisting, running and maturity through ``sales``. See ``drafting``
(institutions), ``lifecycle`` (states, review, publishing), ``sales`` (what selling does to the
row) and ``disclosures`` (versioned texts). ``Product`` is exported for reading: other packages
change a product only through the functions here.
"""

from __future__ import annotations

from finplat.product.disclosures import current as disclosures
from finplat.product.disclosures import default_mismatch_warning
from finplat.product.disclosures import latest as latest_disclosure
from finplat.product.domain import RAISING, display_rate
from finplat.product.drafting import Draft, create, revise, revise_disclosures, submit
from finplat.product.lifecycle import (
    ProductNotFound,
    get,
    lock,
    publish,
    review,
    snapshot,
    transition,
)
from finplat.product.models import MISMATCH_WARNING, RISK_DISCLOSURE, Product
from finplat.product.sales import (
    PAYABLE_STATES,
    await_payout,
    by_ids,
    close_raise,
    delist,
    due_for_payout_ids,
    due_raise_ids,
    mark_funds_transferred,
    mark_orders_settled,
    mature,
    on_sale,
    payable,
    payable_ids_of_institution,
    ready_to_start,
    refunding,
    release_quota,
    reserve_quota,
    running,
    settling,
    start_term,
    startable_ids,
    unsettled_ids,
)

__all__ = [
    "MISMATCH_WARNING",
    "PAYABLE_STATES",
    "RAISING",
    "RISK_DISCLOSURE",
    "Draft",
    "Product",
    "ProductNotFound",
    "await_payout",
    "by_ids",
    "close_raise",
    "create",
    "default_mismatch_warning",
    "delist",
    "disclosures",
    "display_rate",
    "due_for_payout_ids",
    "due_raise_ids",
    "get",
    "latest_disclosure",
    "lock",
    "mark_funds_transferred",
    "mark_orders_settled",
    "mature",
    "on_sale",
    "payable",
    "payable_ids_of_institution",
    "publish",
    "ready_to_start",
    "refunding",
    "release_quota",
    "reserve_quota",
    "review",
    "revise",
    "revise_disclosures",
    "running",
    "settling",
    "snapshot",
    "start_term",
    "startable_ids",
    "submit",
    "transition",
    "unsettled_ids",
]
