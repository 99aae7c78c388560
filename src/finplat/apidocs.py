"""The API's documentation pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), with their
scripts and styles served from this server (``docs_assets/``, vendored with their licences):
the pages work on a machine without internet access and load nothing from another host."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse

ASSETS_DIR = Path(__file__).resolve().parent / "docs_assets"
ASSETS_URL = "/docs/assets"
# Only what the pages load; the licences are in the package, not served.
SERVED = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png",
                    "redoc.standalone.js"})
CACHE = "public, max-age=86400"


def install(app: FastAPI, *, openapi_url: str) -> None:
    """Add ``/docs``, ``/redoc`` and their assets (not part of the OpenAPI document)."""
    title = f"{app.title} API"
    favicon = f"{ASSETS_URL}/favicon-32x32.png"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title=title,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css", swagger_favicon_url=favicon,
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url, title=title,
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js", redoc_favicon_url=favicon,
            with_google_fonts=False,
        )

    @app.get(ASSETS_URL + "/{name}", include_in_schema=False)
    async def asset(name: Annotated[str, PathParam(max_length=64)]) -> FileResponse:
        if name not in SERVED:
            raise HTTPException(status_code=404)
        return FileResponse(ASSETS_DIR / name, headers={"Cache-Control": CACHE})
