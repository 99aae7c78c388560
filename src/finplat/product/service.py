"""The product package's public API (``from finplat.product import service``).

Use cases taking ``db`` run in one transaction each; functions taking ``session`` run in the
caller's (the investment package drives raise end, delisting, running and maturity with
``lock`` and ``transition``). See ``drafting`` (institutions), ``lifecycle`` (states, review,
publishing) and ``disclosures`` (versioned texts).
"""

from __future__ import annotations

from finplat.product.disclosures import current as disclosures
from finplat.product.disclosures import default_mismatch_warning
from finplat.product.disclosures import latest as latest_disclosure
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

__all__ = [
    "Draft",
    "ProductNotFound",
    "create",
    "default_mismatch_warning",
    "disclosures",
    "get",
    "latest_disclosure",
    "lock",
    "publish",
    "review",
    "revise",
    "revise_disclosures",
    "snapshot",
    "submit",
    "transition",
]
