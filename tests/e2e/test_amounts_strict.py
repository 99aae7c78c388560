"""Every ``*_minor`` amount in a request body is a JSON integer and nothing else: ``true``,
``"100"`` and ``100.0`` are 422, never read as 1 or 100."""

from __future__ import annotations

import pkgutil

import pytest
from pydantic import BaseModel

from finplat.core.fields import MAX_AMOUNT_MINOR
from finplat.main import ROUTER_PACKAGES
from finplat.modules import optional_module
from tests.factories import bearer_for, make_staff

BAD_AMOUNTS = [True, False, "100", "１００", 100.0, 1e3, [100], {"v": 100}, 10**30, -1]


def _request_models(app) -> list[type[BaseModel]]:  # type: ignore[no-untyped-def]
    """The model of every JSON request body in the OpenAPI document, found by its name among
    the packages' schema and router modules."""
    names = set()
    for operations in app.openapi()["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref")
            if ref:
                names.add(ref.rsplit("/", 1)[1])
    classes: dict[str, type[BaseModel]] = {}
    for package in ROUTER_PACKAGES:
        found = optional_module(f"finplat.{package}")
        # ``schemas`` and ``router``, and a package's further ``*_schemas``/``*_router`` modules.
        kinds = {"schemas", "router"} | {
            info.name for info in pkgutil.iter_modules(getattr(found, "__path__", []))
            if info.name.endswith(("_schemas", "_router"))}
        for kind in sorted(kinds):
            module = optional_module(f"finplat.{package}.{kind}")
            for value in vars(module or object).values():
                if isinstance(value, type) and issubclass(value, BaseModel):
                    classes[value.__name__] = value
    assert names <= classes.keys(), names - classes.keys()
    return [classes[name] for name in sorted(names)]


def test_every_amount_field_of_every_request_schema_is_strict(app):
    checked = []
    for model in _request_models(app):
        for name in model.model_fields:
            if not name.endswith("_minor"):
                continue
            checked.append(f"{model.__name__}.{name}")
            for bad in BAD_AMOUNTS:
                errors = _errors_for(model, name, bad)
                assert errors, f"{model.__name__}.{name} took {bad!r}"
    assert len(checked) >= 12, checked


def _errors_for(model: type[BaseModel], name: str, value: object) -> list[object]:
    from pydantic import ValidationError

    try:
        model.model_validate({name: value})
    except ValidationError as error:
        return [e for e in error.errors() if e["loc"][:1] == (name,)]
    return []


@pytest.mark.parametrize("bad", [True, "100", 100.0, 10**30, MAX_AMOUNT_MINOR + 1])
async def test_admin_amounts_refuse_booleans_strings_and_floats(client, app, db, clock, bad):
    admin_id, *_ = await make_staff(db, now=clock.now(), role="admin")
    headers = {**bearer_for(app, admin_id), "Idempotency-Key": f"fund-{bad!r}"}
    response = await client.post("/api/v1/admin/campaigns/1/fund", json={"amount_minor": bad},
                                 headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "amount_minor"
    risk_id, *_ = await make_staff(db, now=clock.now(), role="risk_officer")
    response = await client.post(
        "/api/v1/admin/accounts/1/freeze", json={"amount_minor": bad, "reason": "court order"},
        headers={**bearer_for(app, risk_id), "Idempotency-Key": f"freeze-{bad!r}"})
    assert response.status_code == 422, response.text
