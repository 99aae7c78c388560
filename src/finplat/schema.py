"""Every package's tables on one ``Base.metadata``: what migrations and schema checks compare to."""

from __future__ import annotations

import importlib

from finplat.core.models import Base
from finplat.modules import optional_module

MODEL_PACKAGES = (
    "audit",
    "events",
    "identity",
    "ledger",
    "payment",
    "product",
    "investment",
    "marketing",
    "analytics",
    "notification",
    "lending",
)


def load_models() -> type[Base]:
    importlib.import_module("finplat.core.scheduler_models")
    for package in MODEL_PACKAGES:
        optional_module(f"finplat.{package}.models")
    return Base
