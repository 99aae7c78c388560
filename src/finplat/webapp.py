"""Serving the built single-page app (``src/finplat/static``) at ``/``.

The app is the router's fallback, not a route: it only sees requests that no API route matched
(so a wrong method on an API path is still a 405, and ``/metrics`` route labels stay bounded).
Hashed build output under ``/assets/`` is cached for a year; ``index.html`` is never cached, so a
new release is picked up on the next navigation. Any other GET that is not a file, and does not
look like one, gets ``index.html`` so that history-mode routes (``/products/42``) survive a
reload.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Paths the server owns: an unknown path below these is a 404 problem, never the app.
RESERVED_PREFIXES = ("api", "docs", "redoc", "openapi.json", "healthz", "readyz", "metrics")
HASHED_ASSETS_PREFIX = "assets/"
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=3600"
NO_CACHE = "no-cache"

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>finplat</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>finplat</h1>
<p>The web app is not built. Run <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>
(see <code>docs/WEB.md</code>). The API is available under <a href="/docs">/docs</a>.</p>
</body></html>
"""


def _is_reserved(relative: str) -> bool:
    first = relative.split("/", 1)[0]
    return first in RESERVED_PREFIXES


def _static_file(root: Path, relative: str) -> Path | None:
    """The file under ``root`` named by the request path, refusing anything that escapes it."""
    if not relative or "\x00" in relative:
        return None
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def _index_response(root: Path) -> Response:
    index = root / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT_PAGE, headers={"Cache-Control": NO_CACHE})
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": NO_CACHE})


def _response_for(root: Path, relative: str) -> Response | None:
    """What a GET of ``/<relative>`` returns, or None for a 404."""
    if _is_reserved(relative):
        return None
    found = _static_file(root, relative)
    if found is not None:
        if found.name == "index.html":
            return _index_response(root)
        cache = LONG_CACHE if relative.startswith(HASHED_ASSETS_PREFIX) else SHORT_CACHE
        return FileResponse(found, headers={"Cache-Control": cache})
    if relative.startswith(HASHED_ASSETS_PREFIX) or "." in relative.rsplit("/", 1)[-1]:
        # A missing file (a script, /favicon.ico, /robots.txt) must not be answered with HTML
        # the browser then tries to parse; the app's own routes never contain a dot.
        return None
    return _index_response(root)


def mount(app: FastAPI, *, static_dir: Path | None = None) -> None:
    """Serve the web app from ``static_dir`` (default: the packaged build) for unmatched GETs.

    Calling it again replaces the folder (tests use this to serve a build of their own).
    """
    root = (static_dir or STATIC_DIR).resolve()
    not_found = app.router.not_found

    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await not_found(scope, receive, send)
            return
        relative = scope["path"].lstrip("/")
        response = _response_for(root, relative)
        if response is None:
            raise HTTPException(status_code=404)
        await response(scope, receive, send)

    app.router.default = fallback
