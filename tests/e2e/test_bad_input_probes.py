"""Inputs found by probing the identity, product, marketing, ledger, audit and analytics
endpoints: each a 422 problem on every database, never a 500 nor accepted on one and refused on
another."""

from __future__ import annotations

import base64
import json

import pytest

from tests.factories import bearer_for, make_staff

PROBLEM = "application/problem+json"


def _cursor(position: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


CASES = [
    # The start of business day 0001-01-01 (or the day after 9999-12-31) is no instant in UTC.
    ("GET", "/api/v1/admin/stats/funds?from=0001-01-01&to=0001-01-05", None, "from"),
    ("GET", "/api/v1/admin/stats/funds?from=9999-12-28&to=9999-12-31", None, "to"),
    ("GET", "/api/v1/products?sort=-created_at&cursor="
     + _cursor({"s": "-created_at", "v": "0001-01-01T00:00:00+08:00", "id": 1}), None, "cursor"),
    ("GET", "/api/v1/admin/users?cursor=" + _cursor({"id": 1e400}), None, "cursor"),
    ("GET", "/api/v1/admin/audit?cursor=%00", None, "cursor"),
    ("GET", "/api/v1/admin/audit?cursor=" + "[" * 300, None, "cursor"),
    # NUL is storable on SQLite but not on PostgreSQL: refused everywhere by the schema.
    ("POST", "/api/v1/admin/institutions", {"name": "a\u0000b", "uscc": "91350100M000100Y43"},
     "name"),
    ("POST", "/api/v1/admin/institutions", {"name": "a\u202eb", "uscc": "91350100M000100Y43"},
     "name"),
    ("POST", "/api/v1/admin/users",
     {"login": "a\u0000bc", "password": "pw pw pw pw 12", "roles": ["support"]}, "login"),
    ("POST", "/api/v1/admin/users/1/status", {"status": "frozen", "reason": "x\u0000y"},
     "reason"),
    ("POST", "/api/v1/admin/campaigns",
     {"name": "n\u0000", "starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-04-01T00:00:00Z"},
     "name"),
    ("POST", "/api/v1/admin/accounts/1/freeze", {"reason": "court\u0000order"}, "reason"),
    # Decimal() reads Unicode digits; rates are written in ASCII.
    ("POST", "/api/v1/admin/points-policy",
     {"points_per_yuan": "\u0661", "effective_at": "2026-04-01T00:00:00Z"}, "points_per_yuan"),
    ("POST", "/api/v1/admin/points-policy",
     {"points_per_yuan": "\uff11.5", "effective_at": "2026-04-01T00:00:00Z"}, "points_per_yuan"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), CASES)
async def test_probed_inputs_are_422(client, app, db, clock, method, path, body, field):
    admin_id, *_ = await make_staff(db, now=clock.now(), role="admin")
    headers = {"Idempotency-Key": "probe-1", **bearer_for(app, admin_id)}
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert field in {error["field"] for error in problem.get("errors", [])}, problem


async def test_disclosure_texts_keep_line_breaks_but_refuse_control_characters():
    from pydantic import ValidationError

    from finplat.product.schemas import DisclosuresRevise

    assert DisclosuresRevise(disclosure="第一条\n第二条\t说明").disclosure == "第一条\n第二条\t说明"
    with pytest.raises(ValidationError):
        DisclosuresRevise(disclosure="说明\u0000")
    with pytest.raises(ValidationError):
        DisclosuresRevise(disclosure="说明\u202e")
