"""Background work that the embedded default runs inside the API process.

With ``enabled`` the outbox dispatcher and the scheduler run as asyncio tasks beside the API;
in a scaled deployment they run as ``finplat worker`` and ``finplat scheduler`` instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def background(app: FastAPI, *, enabled: bool) -> AsyncIterator[None]:
    yield
