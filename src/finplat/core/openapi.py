"""What the OpenAPI document says beyond what FastAPI infers from the routes: every error is an
``application/problem+json`` body (RFC 9457, as API.md says), and money-moving operations
require their ``Idempotency-Key`` header.

The idempotency dependency takes the header as optional so that a missing key gets our own 422
``idempotency.key_required`` rather than FastAPI's generic one; the document says what the API
demands. FastAPI's own 422 ``HTTPValidationError`` shape is never sent (validation errors are
problems too), so it is replaced.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_HEADER_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 64}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "code": {"type": "string", "description": "stable machine-readable code, e.g. "
                 "ledger.insufficient_funds"},
        "errors": {
            "type": "array",
            "description": "the offending fields of a 422",
            "items": {"type": "object", "properties": {"field": {"type": "string"},
                                                         "message": {"type": "string"}}},
        },
    },
}
_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_ERRORS = {
    "422": "Invalid input (validation.invalid and more specific codes)",
    "4XX": "A problem with the request (see code)",
    "5XX": "A problem on our side (service.unavailable carries Retry-After)",
}


def _document(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") == IDEMPOTENCY_HEADER:
                    parameter["required"] = True
                    parameter["schema"] = {**IDEMPOTENCY_HEADER_SCHEMA, "title": IDEMPOTENCY_HEADER}
            responses = operation.setdefault("responses", {})
            for status, description in _ERRORS.items():
                responses[status] = {
                    "description": description,
                    "content": {"application/problem+json": {"schema": _PROBLEM}},
                }


def install(app: FastAPI) -> None:
    """Post-process the generated document once, when it is first asked for."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = generate()
        if first:
            _document(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_text(app: FastAPI) -> str:
    """The document as `finplat openapi` prints it and web/src/api/openapi.json stores it."""
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
