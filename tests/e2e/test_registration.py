"""Registration needs the code sent to its contact and the acceptance of the agreements in
force; the consent is stored with its version, language and time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from finplat.audit.models import AuditRecord
from finplat.identity import agreements
from finplat.identity.models import Consent
from finplat.identity.notifier import notifier_for
from tests import factories

PASSWORD = "Secret-pass-123"


async def test_registration_stores_the_consents_with_version_language_and_time(
        client, app, db, clock) -> None:
    response = await factories.register(client, app, phone="13911112222", password=PASSWORD)
    assert response.status_code == 201, response.text
    user_id = response.json()["user_id"]
    async with db.transaction(readonly=True) as session:
        consents = list(await session.scalars(select(Consent).where(Consent.user_id == user_id)
                                              .order_by(Consent.kind)))
        audited = await session.scalar(select(AuditRecord.action).where(
            AuditRecord.action == "identity.agreements_accepted"))
    assert [(c.kind, c.version, c.language) for c in consents] == [
        ("privacy_policy", 1, "zh"), ("user_agreement", 1, "zh")]
    assert all(c.consented_at == clock.now() for c in consents)
    assert consents[1].text_sha256 == agreements.digest("user_agreement", 1)
    assert audited == "identity.agreements_accepted"
    assert (await client.post("/api/v1/auth/login", json={
        "login": "13911112222", "password": PASSWORD})).status_code == 200


async def test_no_registration_without_the_code_or_the_consent(client, app, db, clock) -> None:
    contact = {"email": "sun@example.com"}
    assert (await client.post("/api/v1/auth/register/code", json=contact)).status_code == 202
    code = notifier_for(app).last_code("sun@example.com")  # type: ignore[attr-defined]
    body = {**contact, "password": PASSWORD, "code": code,
            "agreements": dict(agreements.CURRENT)}
    no_code = await client.post("/api/v1/auth/register", json={
        key: value for key, value in body.items() if key != "code"})
    assert no_code.status_code == 422
    wrong = "000000" if code != "000000" else "111111"
    wrong_code = await client.post("/api/v1/auth/register", json={**body, "code": wrong})
    assert wrong_code.status_code == 422 and wrong_code.json()["code"] == "identity.code_invalid"
    partial = await client.post("/api/v1/auth/register", json={
        **body, "agreements": {"user_agreement": 1}})
    assert partial.status_code == 422 and partial.json()["code"] == "identity.consent_required"
    not_a_number = await client.post("/api/v1/auth/register", json={
        **body, "agreements": {"user_agreement": True, "privacy_policy": "1"}})
    assert not_a_number.status_code == 422
    outdated = await client.post("/api/v1/auth/register", json={
        **body, "agreements": {"user_agreement": 1, "privacy_policy": 2}})
    assert outdated.status_code == 409
    assert outdated.json()["code"] == "identity.agreement_outdated"
    assert outdated.json()["current_versions"] == agreements.CURRENT
    ok = await client.post("/api/v1/auth/register", json=body,
                           headers={"Accept-Language": "en"})
    assert ok.status_code == 201, ok.text
    async with db.transaction(readonly=True) as session:
        languages = set(await session.scalars(select(Consent.language)))
    assert languages == {"en"}
    clock.advance(timedelta(minutes=2))
    assert (await client.post("/api/v1/auth/register/code", json=contact)).status_code == 202
    used_again = await client.post("/api/v1/auth/register", json=body)
    assert used_again.status_code == 422  # the code was used up, a new one was sent


async def test_the_agreements_in_force_in_chinese_and_english(client) -> None:
    zh = (await client.get("/api/v1/agreements")).json()
    assert zh["language"] == "zh"
    assert {(a["kind"], a["version"]) for a in zh["agreements"]} == set(agreements.CURRENT.items())
    titles = {a["kind"]: a["title"] for a in zh["agreements"]}
    assert titles == {"user_agreement": "用户服务协议", "privacy_policy": "隐私政策"}
    en = (await client.get("/api/v1/agreements", headers={"Accept-Language": "en-GB"})).json()
    assert {a["title"] for a in en["agreements"]} == {"User Agreement", "Privacy Policy"}
    assert all(len(a["body"]) > 200 for a in zh["agreements"] + en["agreements"])
    one = await client.get("/api/v1/agreements/privacy_policy/1",
                           headers={"Accept-Language": "en"})
    assert one.status_code == 200 and one.json()["title"] == "Privacy Policy"
    for missing in ("/api/v1/agreements/privacy_policy/2", "/api/v1/agreements/cookies/1"):
        response = await client.get(missing)
        assert response.status_code == 404
        assert response.json()["code"] == "identity.agreement_not_found"


async def test_the_code_is_shown_only_in_development(client, app, db) -> None:
    shown = await client.post("/api/v1/auth/register/code", json={"phone": "13911113333"})
    assert shown.status_code == 202
    assert shown.json()["development_code"] == notifier_for(app).last_code(  # type: ignore[attr-defined]
        "13911113333")
    app.state.settings = app.state.settings.model_copy(update={"environment": "staging"})
    hidden = await client.post("/api/v1/auth/register/code", json={"phone": "13911114444"})
    assert hidden.status_code == 202 and hidden.json() == {"development_code": None}
