"""Every package's tables on one ``Base.metadata``: what migrations and schema checks compare to."""

from __future__ import annotations

import importlib

from finplat.core.models import Base

MODEL_PACKAGES = (
    "audit",
    "events",
    "identity",
    "ledger",
    "payment",
    "product",
    "investment",
    "lending",
    "risk",
    "marketing",
    "support",
    "analytics",
)


def load_models() -> type[Base]:
    importlib.import_module("finplat.core.scheduler_models")
    for package in MODEL_PACKAGES:
        try:
            importlib.import_module(f"finplat.{package}.models")
        except ModuleNotFoundError as error:
            if error.name != f"finplat.{package}.models":
                raise
    return Base
