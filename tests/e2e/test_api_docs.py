"""/docs and /redoc load everything from this server: they work without internet access."""

from __future__ import annotations

import re

import pytest

from finplat import apidocs

# Every URL a page loads (script, stylesheet, icon, the OpenAPI document) or links to.
_URLS = re.compile(r"""(?:src|href|url)\s*[=:(]\s*['"]?([^'"\s)>]+)""", re.IGNORECASE)


@pytest.mark.parametrize(("path", "marker"), [("/docs", "SwaggerUIBundle"),
                                              ("/redoc", "<redoc")])
async def test_the_docs_pages_reference_no_other_host(client, path: str, marker: str) -> None:
    page = await client.get(path)
    assert page.status_code == 200 and marker in page.text
    urls = _URLS.findall(page.text) + re.findall(r"https?://[^\s'\"<>)]+", page.text)
    assert urls, page.text
    assert [u for u in urls if u.startswith(("http:", "https:", "//"))] == []
    for url in set(urls):
        if url.startswith(apidocs.ASSETS_URL) or url == "/openapi.json":
            loaded = await client.get(url)
            assert loaded.status_code == 200 and loaded.content, url


async def test_only_the_page_assets_are_served(client) -> None:
    for name in apidocs.SERVED:
        response = await client.get(f"{apidocs.ASSETS_URL}/{name}")
        assert response.status_code == 200 and response.content
    for name in ("LICENSE.redoc", "..%2Fapidocs.py", "nothing.js"):
        assert (await client.get(f"{apidocs.ASSETS_URL}/{name}")).status_code == 404
