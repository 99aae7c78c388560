"""Optional per-package modules (``router``, ``models``, ``cli``, ``demo``, ``jobs`` ...)."""

from __future__ import annotations

import importlib
from types import ModuleType


def optional_module(name: str) -> ModuleType | None:
    """The module ``name``, or None when it (or a package above it) does not exist.

    An import error raised *inside* an existing module is a bug and propagates.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        parts = name.split(".")
        missing = {".".join(parts[:i]) for i in range(2, len(parts) + 1)}
        if error.name in missing:
            return None
        raise
