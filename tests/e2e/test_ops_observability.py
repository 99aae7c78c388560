import logging
import re

from finplat.core.context import client_ip_var, request_id_var


async def test_request_id_is_generated_and_returned(client) -> None:
    response = await client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


async def test_sane_incoming_request_id_is_kept(client) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "edge-7f3a.1:2"})
    assert response.headers["X-Request-ID"] == "edge-7f3a.1:2"


async def test_insane_incoming_request_id_is_replaced(client) -> None:
    for bad in ("a" * 65, "has space", "-leading", "x\u00e9"):
        response = await client.get("/healthz", headers={"X-Request-ID": bad.encode("utf-8")})
        assert response.headers["X-Request-ID"] != bad
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


async def test_context_is_set_for_handlers_and_reset_after(app, client) -> None:
    seen = {}

    @app.get("/_test/context")
    async def context_probe() -> dict:
        seen["request_id"], seen["ip"] = request_id_var.get(), client_ip_var.get()
        return {}

    response = await client.get("/_test/context", headers={"X-Request-ID": "probe-1"})
    assert response.status_code == 200
    assert seen == {"request_id": "probe-1", "ip": "203.0.113.10"}
    assert request_id_var.get() is None and client_ip_var.get() is None


async def test_errors_carry_the_request_id(client) -> None:
    response = await client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "missing-1"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "missing-1"


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        match = re.fullmatch(re.escape(name) + r"\{(.*)\} (\S+)", line)
        if match and dict(re.findall(r'(\w+)="([^"]*)"', match.group(1))) == labels:
            return float(match.group(2))
    return 0.0


async def test_metrics_count_by_route_template_not_raw_path(app, client) -> None:
    @app.get("/_test/items/{item_id}")
    async def item(item_id: int) -> dict:
        return {"id": item_id}

    before = _sample((await client.get("/metrics")).text, "finplat_http_requests_total",
                     method="GET", route="/_test/items/{item_id}", status="200")
    for item_id in (1, 2, 3):
        assert (await client.get(f"/_test/items/{item_id}")).status_code == 200
    await client.get("/_test/nothing-here/123")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    after = _sample(text, "finplat_http_requests_total", method="GET",
                    route="/_test/items/{item_id}", status="200")
    assert after - before == 3
    assert "/_test/items/1" not in text and "/_test/nothing-here/123" not in text
    assert _sample(text, "finplat_http_requests_total", method="GET", route="<unmatched>",
                   status="404") >= 1
    assert _sample(text, "finplat_http_request_duration_seconds_count", method="GET",
                   route="/_test/items/{item_id}") >= 3


async def test_unexpected_errors_keep_the_request_id_in_response_and_log(app) -> None:
    import httpx

    @app.get("/_test/boom")
    async def boom() -> dict:
        raise RuntimeError("boom")

    seen = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append((record.getMessage(), request_id_var.get()))

    handler = Capture()
    logging.getLogger("finplat.errors").addHandler(handler)
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/_test/boom", headers={"X-Request-ID": "boom-1"})
    finally:
        logging.getLogger("finplat.errors").removeHandler(handler)
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "boom-1"
    assert response.json()["code"] == "internal.error"
    assert ("unhandled error", "boom-1") in seen
    text = (await http_metrics(app)).text
    assert _sample(text, "finplat_http_requests_total", method="GET", route="/_test/boom",
                   status="500") >= 1


async def http_metrics(app):
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as http:
        return await http.get("/metrics")


async def test_a_lost_database_connection_answers_503_with_retry_after(app) -> None:
    import httpx
    from sqlalchemy.exc import DBAPIError

    @app.post("/_test/lost")
    async def lost() -> dict:
        raise DBAPIError("SELECT 1", {}, ConnectionResetError("gone"), connection_invalidated=True)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post("/_test/lost")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "service.unavailable"
