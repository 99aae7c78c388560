"""The web app's typed client is generated from the API's OpenAPI document; the committed copy
(web/src/api/openapi.json, from which `npm run gen:api` writes schema.d.ts) must be the
server's current document, so an endpoint change without regenerating the client fails here.
The web app's own test (web/tests/api-schema.test.ts) checks schema.d.ts against that copy."""

from __future__ import annotations

import difflib
from pathlib import Path

from finplat.core import openapi
from finplat.main import create_app

COMMITTED = Path(__file__).resolve().parents[2] / "web" / "src" / "api" / "openapi.json"


def test_committed_openapi_document_is_the_servers() -> None:
    current = openapi.document_text(create_app(background=False))
    committed = COMMITTED.read_text(encoding="utf-8")
    if committed != current:
        diff = difflib.unified_diff(
            committed.splitlines(), current.splitlines(), "committed", "server", lineterm="", n=1
        )
        shown = "\n".join(list(diff)[:40])
        raise AssertionError(
            "web/src/api/openapi.json differs from the server's OpenAPI: run "
            f"`cd web && npm run gen:api` and commit the result\n{shown}"
        )
