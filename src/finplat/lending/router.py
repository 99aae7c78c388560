"""HTTP edge of lending."""

from __future__ import annotations

from fastapi import APIRouter

from finplat.lending import servicing_router

router = APIRouter(tags=["lending"])
router.include_router(servicing_router.router)
