"""Fuzz every operation of the public API from the app's own OpenAPI (schemathesis).

The platform's rule: bad input gets a clear 4xx problem+json and changes nothing; never a 500.
Each operation is fuzzed with valid and invalid requests (schemathesis' positive and negative
modes) twice: on the customer side (a verified, funded investor; an institution's user for the
institution's operations) and as an admin. A small world is seeded first (a published product,
a funded campaign with a coupon offer) so that valid requests reach real rows. Every answer must
not be a 5xx, every 4xx must be problem+json with a consistent body, and answers must match the
schema the spec documents for them. The `db` fixture then checks that the ledger balances.

Slow by nature, so left out of `make test`: `make test-fuzz` runs it (``-m fuzz``). Hypothesis
is derandomized, so a run is reproducible in CI.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from finplat.config import Settings
from finplat.core.problems import PROBLEM_JSON
from finplat.main import create_app
from tests import factories
from tests.integration.investment.helpers import investor
from tests.integration.product.helpers import published_product

# Per operation and side: ~180 tests in about two minutes. FINPLAT_FUZZ_EXAMPLES=200 digs deeper.
MAX_EXAMPLES = int(os.environ.get("FINPLAT_FUZZ_EXAMPLES", "20"))
BASE_URL = "http://testserver"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Operations for an institution's own users: the customer side calls them as such a user.
INSTITUTION_PREFIX = "/api/v1/institution/"
INSTITUTION_OPERATIONS = {
    "POST /api/v1/products",
    "PUT /api/v1/products/{product_id}",
    "POST /api/v1/products/{product_id}/submit",
    "POST /api/v1/products/{product_id}/disclosures",
}

pytestmark = pytest.mark.fuzz


def _openapi() -> dict[str, Any]:
    """The spec exactly as the app serves it at /openapi.json (building it opens no database)."""
    settings = Settings(
        environment="test",
        database_url="sqlite+aiosqlite://",
        run_background_in_process=False,
        _env_file=None,
    )  # type: ignore[call-arg]
    return create_app(settings, background=False).openapi()


schema = schemathesis.openapi.from_dict(_openapi())


@schemathesis.check
def problem_json_for_client_errors(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """Every 4xx is RFC 9457 problem+json whose body names its type, title, status and code."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.split(";")[0].strip() == PROBLEM_JSON, (
        f"{response.status_code} answered with content type {content_type!r}"
    )
    body = response.json()
    assert isinstance(body, dict), f"problem body is not an object: {body!r}"
    missing = [name for name in ("type", "title", "status", "code") if not body.get(name)]
    assert not missing, f"problem body lacks {missing}: {body!r}"
    assert body["status"] == response.status_code, (
        f"problem status {body['status']} differs from the response's {response.status_code}"
    )
    return None


CHECKS = [not_a_server_error, problem_json_for_client_errors, response_schema_conformance]


def _usable_key(key: str | None) -> bool:
    return key is not None and 1 <= len(key) <= 64 and key.isprintable()


@dataclass
class Fuzzer:
    """Sends schemathesis cases through the ASGI app on the test's own event loop."""

    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    tokens: dict[str, dict[str, str]]
    keys: itertools.count[int]

    def identity_for(self, side: str, case: schemathesis.Case) -> str:
        operation = case.operation
        if side == "customer" and (
            operation.path.startswith(INSTITUTION_PREFIX)
            or operation.label in INSTITUTION_OPERATIONS
        ):
            return "institution"
        return side

    def send(self, case: schemathesis.Case, side: str) -> httpx.Response:
        kwargs = case.as_transport_kwargs(base_url=BASE_URL)
        headers = dict(kwargs.get("headers") or {})
        headers.update(self.tokens[self.identity_for(side, case)])
        declared = {parameter.name for parameter in case.operation.headers}
        if IDEMPOTENCY_HEADER in declared and not _usable_key(headers.get(IDEMPOTENCY_HEADER)):
            # Money-moving calls need a key of 1-64 printable characters, which the spec does not
            # say (it lists an optional string): a fresh one per call, so the body gets fuzzed.
            headers[IDEMPOTENCY_HEADER] = f"fuzz-{next(self.keys)}"
        # Serialise exactly as schemathesis' own requests transport would, then send the bytes.
        prepared = requests.Request(
            method=kwargs["method"],
            url=kwargs["url"],
            headers=headers,
            params=kwargs.get("params"),
            cookies=kwargs.get("cookies"),
            json=kwargs.get("json"),
            data=kwargs.get("data"),
            files=kwargs.get("files"),
        ).prepare()
        request = httpx.Request(
            prepared.method or "GET",
            prepared.url or BASE_URL,
            headers=dict(prepared.headers),
            content=prepared.body,
        )
        return self.loop.run_until_complete(self.client.send(request))


async def _seed_campaign(client: httpx.AsyncClient, admin: dict[str, str], now: datetime) -> None:
    """A running campaign with a budget, a red packet and a claimable coupon offer."""
    response = await client.post(
        "/api/v1/admin/campaigns",
        headers=admin,
        json={
            "name": "fuzz",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=7)).isoformat(),
            "red_packet_amount_minor": 888,
        },
    )
    assert response.status_code == 201, response.text
    campaign = f"/api/v1/admin/campaigns/{response.json()['id']}"
    response = await client.post(
        f"{campaign}/fund",
        headers={**admin, IDEMPOTENCY_HEADER: "seed-fund"},
        json={"amount_minor": 1_000_000},
    )
    assert response.status_code == 200, response.text
    response = await client.post(
        f"{campaign}/coupon-offers",
        headers=admin,
        json={"name": "fuzz", "kind": "cashback", "cashback_minor": 1_000, "user_claimable": True},
    )
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module", autouse=True)
def _only_when_asked_for(request: pytest.FixtureRequest) -> None:
    # `-m database` (make test-postgres) selects these tests too; they have their own run.
    # Module scope skips them before any database fixture is set up.
    if "fuzz" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("API fuzzing runs on its own: make test-fuzz (-m fuzz)")


@pytest.fixture
async def fuzzer(app, db, clock) -> AsyncIterator[Fuzzer]:  # type: ignore[no-untyped-def]
    now = clock.now()
    institution_id = await factories.make_institution(db, now=now)
    institution_user = await factories.make_user(
        db, now=now, roles=("institution",), institution_id=institution_id
    )
    admin_id, _login, _password, _secret = await factories.make_staff(db, now=now, role="admin")
    tokens = {
        "customer": factories.bearer_for(app, await investor(db, now=now)),
        "institution": factories.bearer_for(app, institution_user),
        "staff": factories.bearer_for(app, admin_id),
    }
    # An unhandled error comes back as the app's 500 answer (not raised into the test), so
    # schemathesis reports it with the request that caused it.
    transport = httpx.ASGITransport(
        app=app, raise_app_exceptions=False, client=("203.0.113.10", 50000)
    )
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        await published_product(client, tokens["institution"], tokens["staff"], now)
        await _seed_campaign(client, tokens["staff"], now)
        yield Fuzzer(asyncio.get_running_loop(), client, tokens, itertools.count(1))


@pytest.mark.parametrize("side", ["customer", "staff"])
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    # One seeded world per operation and side; generated strings are slow to filter.
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gives_a_server_error(case: schemathesis.Case, side: str, fuzzer: Fuzzer) -> None:
    response = fuzzer.send(case, side)
    case.validate_response(response, checks=CHECKS)
