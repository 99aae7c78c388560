"""Every list endpoint pages the same way: ``?limit=`` 1-100 (default 20), an opaque
``?cursor=``, ``{"items", "next_cursor"}``; a cursor the API did not issue is a 422."""

from __future__ import annotations

import base64
import json

import pytest

from finplat.core.pagination import PageParams, encode_cursor, page_of
from tests import factories

BAD_CURSORS = [
    "not-base64!",
    "\u0000",
    base64.urlsafe_b64encode(b"[1, 2]").decode(),
    base64.urlsafe_b64encode(json.dumps({"id": 2**64}).encode()).decode(),
    base64.urlsafe_b64encode(json.dumps({"id": "7"}).encode()).decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    base64.urlsafe_b64encode(b"[" * 300).decode(),
]


class Row:
    def __init__(self, id_: int) -> None:
        self.id = id_


@pytest.mark.parametrize(("count", "pages"), [(0, 1), (3, 1), (4, 1), (5, 2), (9, 3)])
def test_page_of_never_links_to_an_empty_page(count: int, pages: int) -> None:
    rows = [Row(n) for n in range(count, 0, -1)]
    cursor, seen, served = None, [], 0
    while True:
        page = PageParams(limit=4, cursor=cursor)
        after = page.last_id
        fetched = [r for r in rows if after is None or r.id < after][: page.fetch_limit]
        result = page_of(fetched, page, item=lambda row: row.id)
        seen += result.items
        served += 1
        assert result.items or count == 0
        if result.next_cursor is None:
            break
        cursor = result.next_cursor
    assert seen == [r.id for r in rows] and served == pages


def test_page_of_names_its_own_position() -> None:
    result = page_of([Row(3), Row(2)], PageParams(limit=1),
                     position=lambda row: {"s": "x", "id": row.id})
    assert result.next_cursor == encode_cursor({"s": "x", "id": 3})


def _list_paths(app) -> list[str]:  # type: ignore[no-untyped-def]
    paths = []
    for path, operations in app.openapi()["paths"].items():
        get = operations.get("get")
        if get and any(p["name"] == "cursor" for p in get.get("parameters", [])):
            paths.append(path)
    return sorted(paths)


async def _tokens(app, db, now) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    institution_id = await factories.make_institution(db, now=now)
    institution = await factories.make_user(db, now=now, roles=("institution",),
                                            institution_id=institution_id)
    staff = []
    for role in ("admin", "risk_officer", "auditor", "reviewer"):
        staff.append((await factories.make_staff(db, now=now, role=role))[0])
    users = [await factories.make_user(db, now=now), institution, *staff]
    return [factories.bearer_for(app, user) for user in users]


async def test_every_list_endpoint_refuses_a_cursor_it_did_not_issue(client, app, db, clock):
    paths = _list_paths(app)
    assert len(paths) >= 15, paths
    tokens = await _tokens(app, db, clock.now())
    for path in paths:
        url = path.replace("{product_id}", "1")
        if "{" in url:
            continue
        params: dict[str, object] = {}
        if "stats" in url:
            params.update({"from": "2026-03-01", "to": "2026-03-02"})
        if url.endswith("/admin/accounts"):
            params["owner_user_id"] = 1
        for headers in tokens:
            first = await client.get(url, headers=headers, params=params)
            if first.status_code not in (401, 403):
                break
        assert first.status_code == 200, (url, first.text)
        assert set(first.json()) >= {"items", "next_cursor"}, url
        for bad in BAD_CURSORS:
            response = await client.get(url, headers=headers, params={**params, "cursor": bad})
            assert response.status_code == 422, (url, bad, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        too_many = await client.get(url, headers=headers, params={**params, "limit": 101})
        assert too_many.status_code == 422, url
