"""Serving the built single-page app (``src/finplat/static``) at ``/``."""

from __future__ import annotations

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    return None
