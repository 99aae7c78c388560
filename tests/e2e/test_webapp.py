"""The web app is served at ``/`` without ever shadowing the API or the operations endpoints."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from finplat import webapp

INDEX_HTML = ('<!doctype html><html><body><div id="app"></div>'
              '<script src="/assets/index-abc123.js"></script></body></html>')
SCRIPT = "console.log('finplat')"


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX_HTML)
    (root / "assets" / "index-abc123.js").write_text(SCRIPT)
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("do not serve me")
    return root


@pytest.fixture
async def web(app, static_dir: Path):  # type: ignore[no-untyped-def]
    webapp.mount(app, static_dir=static_dir)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def _assert_problem_404(response: httpx.Response) -> None:
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


async def test_root_and_history_routes_get_the_uncached_index(web: httpx.AsyncClient) -> None:
    paths = ("/", "/index.html", "/login", "/products/42", "/admin/products", "/me/account?x=1")
    for path in paths:
        response = await web.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"
        assert response.text == INDEX_HTML


async def test_hashed_assets_are_cached_for_a_year(web: httpx.AsyncClient) -> None:
    response = await web.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == SCRIPT
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_unhashed_files_are_served_with_a_short_cache(web: httpx.AsyncClient) -> None:
    response = await web.get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=3600"


async def test_missing_files_are_404s_not_the_index(web: httpx.AsyncClient) -> None:
    for path in ("/assets/index-gone.js", "/assets/chunk", "/favicon.ico", "/robots.txt"):
        _assert_problem_404(await web.get(path))


@pytest.mark.parametrize("path", [
    "/api", "/api/", "/api/v1/no-such-endpoint", "/api/v2/products", "/docs/nothing",
    "/openapi.json/x", "/healthz/x", "/readyz/x", "/metrics/x",
])
async def test_unknown_server_paths_stay_problem_404s(web: httpx.AsyncClient, path: str) -> None:
    _assert_problem_404(await web.get(path))


async def test_operations_and_docs_are_not_shadowed(web: httpx.AsyncClient) -> None:
    assert (await web.get("/healthz")).json() == {"status": "ok"}
    assert (await web.get("/readyz")).json() == {"status": "ready"}
    assert (await web.get("/openapi.json")).json()["info"]["title"] == "finplat"
    docs = await web.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    metrics = await web.get("/metrics")
    assert metrics.status_code == 200 and "finplat_http_requests_total" in metrics.text


async def test_other_methods_are_never_answered_with_the_app(web: httpx.AsyncClient) -> None:
    _assert_problem_404(await web.post("/login", json={}))
    _assert_problem_404(await web.delete("/products/42"))
    _assert_problem_404(await web.post("/api/v1/no-such-endpoint", json={}))


async def test_head_of_a_route_answers_without_a_body(web: httpx.AsyncClient) -> None:
    response = await web.head("/products")
    assert response.status_code == 200
    assert response.content == b""


async def test_paths_cannot_escape_the_static_folder(web: httpx.AsyncClient) -> None:
    for path in ("/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt", "/%2e%2e/secret.txt"):
        response = await web.get(path)
        assert "do not serve me" not in response.text, path


async def test_without_a_build_a_page_says_so(web: httpx.AsyncClient, app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty"
    empty.mkdir()
    webapp.mount(app, static_dir=empty)
    for path in ("/", "/account"):
        response = await web.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "not built" in response.text
    _assert_problem_404(await web.get("/api/v1/no-such-endpoint"))


async def test_the_packaged_build_is_complete(client: httpx.AsyncClient) -> None:
    """The committed build (``make run`` needs no Node) references only files it ships."""
    index = webapp.STATIC_DIR / "index.html"
    if not index.is_file():
        pytest.skip("the web app is not built in this checkout")
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    referenced = re.findall(r'(?:src|href)="(/assets/[^"]+)"', response.text)
    assert referenced, "index.html references no assets"
    for asset in referenced:
        asset_response = await client.get(asset)
        assert asset_response.status_code == 200, asset
        assert asset_response.headers["cache-control"].endswith("immutable")
    assert not list(webapp.STATIC_DIR.rglob("*.map")), "source maps are not shipped"
