"""Bad input at the edges that answered 500 or was wrongly accepted: a 4xx problem, nothing
changed."""

from __future__ import annotations

from datetime import date

import jwt
import pytest

from finplat.identity import identifiers
from tests import factories
from tests.factories import bearer_for, make_user

PROBLEM = "application/problem+json"


def _token(app, sub, **extra) -> dict[str, str]:  # type: ignore[no-untyped-def]
    now = int(app.state.clock.now().timestamp())
    claims = {"sub": sub, "typ": "access", "ep": 0, "iat": now, "exp": now + 600, **extra}
    token = jwt.encode(claims, app.state.settings.secret_key, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "sub",
    [str(2**63), str(2**64 + 5), str(10**40), "-1", "0", "1.0", "\u0661", "\u00b2", " 1", "1_0",
     "+1", 12, None, True, [1]],
)
async def test_a_token_naming_no_possible_user_is_401(client, app, db, sub):
    response = await client.get("/api/v1/me", headers=_token(app, sub))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "auth.unauthenticated"


@pytest.mark.parametrize("epoch", [2**64, -1, True, "0", 1.5])
async def test_a_token_with_an_impossible_session_epoch_is_401(client, app, db, clock, epoch):
    user_id = await make_user(db, now=clock.now())
    response = await client.get("/api/v1/me", headers=_token(app, str(user_id), ep=epoch))
    assert response.status_code == 401, response.text


@pytest.mark.parametrize(
    "body",
    [{"phone": " "}, {"email": " "}, {"phone": " ", "email": " "}, {"phone": "\t"}, {}],
)
async def test_a_blank_contact_is_422(client, app, db, clock, body):
    user_id = await make_user(db, now=clock.now())
    response = await client.post("/api/v1/me/contact", json=body,
                                 headers=bearer_for(app, user_id))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM


async def test_registering_with_a_blank_phone_beside_an_email_takes_the_email(client, app, db):
    response = await factories.register(client, app, phone=" ", email="blank.phone@example.com",
                                        password="a long passphrase 1")
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("phone", ["1380013800\u0660", "\uff11\uff13\uff18\uff10\uff10\uff11"
                                   "\uff13\uff18\uff10\uff10\uff10"])
async def test_unicode_digits_make_no_phone_number(client, db, phone):
    response = await client.post("/api/v1/auth/register/code", json={"phone": phone})
    assert response.status_code == 422, response.text


async def test_a_declared_body_over_the_limit_is_413_before_it_is_read(client, app, db):
    limit = app.state.settings.max_request_body_bytes
    response = await client.post(
        "/api/v1/auth/login", content=b"{" + b" " * limit + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "http.payload_too_large"


async def test_a_streamed_body_over_the_limit_is_413(client, app, db):
    limit = app.state.settings.max_request_body_bytes

    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"login": "'
        for _ in range(limit // 65_536 + 2):
            yield b"a" * 65_536
        yield b'", "password": "x"}'

    response = await client.post("/api/v1/auth/login", content=chunks(),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "http.payload_too_large"


async def test_a_body_under_the_limit_passes(client, db):
    response = await client.post("/api/v1/auth/login",
                                 json={"login": "nobody@example.com", "password": "x" * 100})
    assert response.status_code == 401, response.text


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"real_name": "张\u0000三"}, "real_name", "identity.invalid_real_name"),
        ({"real_name": "张\u202e三"}, "real_name", "identity.invalid_real_name"),
        ({"real_name": "张\u200b三"}, "real_name", "identity.invalid_real_name"),
        ({"real_name": "张三\U0001f600"}, "real_name", "identity.invalid_real_name"),
        ({"real_name": "张三\u2605"}, "real_name", "identity.invalid_real_name"),
        ({"id_number": identifiers.make_resident_id("110105", date(1800, 1, 1), 1)},
         "id_number", "identity.invalid_id_number"),
        ({"id_number": identifiers.make_resident_id("110105", date(1901, 1, 1), 1)},
         "id_number", "identity.invalid_id_number"),
    ],
)
async def test_kyc_refuses_impossible_names_and_birth_dates(client, app, db, clock, payload,
                                                            field, code):
    user_id = await make_user(db, now=clock.now(), verified=False)
    body = {"real_name": "阿依古丽·买买提",
            "id_number": identifiers.make_resident_id("110105", date(1980, 1, 1), 1), **payload}
    headers = bearer_for(app, user_id)
    response = await client.post("/api/v1/me/kyc", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert (response.json()["code"], response.json()["errors"][0]["field"]) == (code, field)
    assert (await client.get("/api/v1/me", headers=headers)).json()["kyc_status"] == "unverified"


async def test_kyc_takes_a_minority_name_with_its_middle_dot(client, app, db, clock):
    user_id = await make_user(db, now=clock.now(), verified=False)
    response = await client.post(
        "/api/v1/me/kyc", headers=bearer_for(app, user_id),
        json={"real_name": "阿依古丽·买买提",
              "id_number": identifiers.make_resident_id("110105", date(1980, 1, 1), 1)})
    assert response.status_code == 200, response.text


async def test_problems_speak_chinese_unless_english_is_asked_for(client, app, db):
    unasked = await client.get("/api/v1/me")
    assert unasked.status_code == 401 and unasked.json()["code"] == "auth.unauthenticated"
    body = unasked.json()
    assert (body["title"], body["detail"]) == ("未登录或登录已失效", "需要有效的登录凭证")
    assert unasked.headers["content-language"] == "zh"
    for header in ("en", "en-US,zh-CN;q=0.8"):
        english = await client.get("/api/v1/me", headers={"Accept-Language": header})
        assert english.json()["title"] == "Unauthenticated"
        assert english.headers["content-language"] == "en"
    chinese = await client.get("/api/v1/me", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    body = chinese.json()
    assert chinese.status_code == 401 and body["code"] == "auth.unauthenticated"
    assert (body["title"], body["detail"]) == ("未登录或登录已失效", "需要有效的登录凭证")
    assert chinese.headers["content-language"] == "zh"
    invalid = await client.post("/api/v1/auth/login", json={"login": ""},
                                headers={"Accept-Language": "zh"})
    assert invalid.json()["title"] == "输入无效" and invalid.json()["errors"]
    limit = app.state.settings.max_request_body_bytes
    too_large = await client.post("/api/v1/auth/login", content=b" " * (limit + 1),
                                  headers={"Accept-Language": "zh",
                                           "content-type": "application/json"})
    assert too_large.status_code == 413
    assert too_large.json()["detail"] == "请求体超过允许的大小"
