"""Liveness, readiness and metrics (the web app is served by ``finplat.webapp``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy import text

from finplat.core.errors import ServiceUnavailable

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> dict[str, str]:
    try:
        async with request.app.state.db.transaction(readonly=True) as session:
            await session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready
        raise ServiceUnavailable("ops.database_unreachable",
                                 f"database unreachable: {type(error).__name__}") from None
    return {"status": "ready"}


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Prometheus exposition of this process's metrics."""
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
