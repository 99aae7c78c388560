from datetime import timedelta

import pytest

from finplat.investment import domain, questionnaire
from tests import factories
from tests.integration.investment.helpers import answers_for


@pytest.mark.parametrize("level", ["C1", "C2", "C3", "C4", "C5"])
def test_helper_answers_grade_as_asked(level: str) -> None:
    assert domain.grade(questionnaire.current(), answers_for(level)).risk_level == level


async def test_assessment_sets_the_profile_risk_level_and_keeps_history(
    app, client, db, clock
) -> None:
    user_id = await factories.make_user(db, now=clock.now())
    headers = factories.bearer_for(app, user_id)
    form = (await client.get("/api/v1/risk-assessment/questionnaire")).json()
    assert form["version"] == questionnaire.CURRENT_VERSION
    assert len(form["questions"]) >= 10
    assert all("score" not in option for q in form["questions"] for option in q["options"])
    assert form["language"] == "zh" and form["questions"][0]["text"] == "您的年龄"
    english = (await client.get("/api/v1/risk-assessment/questionnaire",
                                headers={"Accept-Language": "en-US,en;q=0.9"})).json()
    assert english["language"] == "en" and english["questions"][0]["text"] == "Your age"
    assert [o["id"] for o in english["questions"][1]["options"]] == [
        o["id"] for o in form["questions"][1]["options"]]
    assert english["questions"][1]["options"][0]["text"] == "under ¥50,000"
    assert form["questions"][1]["options"][0]["text"] == "5万元以下"
    unknown = await client.get("/api/v1/risk-assessment/questionnaire?version=no-such-version")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "investment.questionnaire_unknown"

    assert (await client.get("/api/v1/me/risk-assessment", headers=headers)).status_code == 404
    first = await client.post(
        "/api/v1/me/risk-assessment",
        headers=headers,
        json={"version": form["version"], "answers": answers_for("C2")},
    )
    assert first.status_code == 201, first.text
    assert first.json()["risk_level"] == "C2"
    expires = first.json()["expires_at"]
    assert expires.startswith((clock.now() + timedelta(days=365)).date().isoformat())
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["risk_level"] == "C2"

    clock.advance(timedelta(days=1))
    headers = factories.bearer_for(app, user_id)
    second = await client.post(
        "/api/v1/me/risk-assessment",
        headers=headers,
        json={"version": form["version"], "answers": answers_for("C4")},
    )
    assert second.json()["risk_level"] == "C4"
    history = (await client.get("/api/v1/me/risk-assessments", headers=headers)).json()
    assert [h["risk_level"] for h in history["items"]] == ["C4", "C2"]
    assert history["items"][1]["answers"] == answers_for("C2")
    first = (await client.get("/api/v1/me/risk-assessments", headers=headers,
                              params={"limit": 1})).json()
    assert [h["risk_level"] for h in first["items"]] == ["C4"]
    rest = (await client.get("/api/v1/me/risk-assessments", headers=headers,
                             params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert [h["risk_level"] for h in rest["items"]] == ["C2"] and rest["next_cursor"] is None
    assert (await client.get("/api/v1/me", headers=headers)).json()["risk_level"] == "C4"

    clock.advance(timedelta(days=366))
    headers = factories.bearer_for(app, user_id)
    assert (await client.get("/api/v1/me/risk-assessment", headers=headers)).status_code == 404
    assert (await client.get("/api/v1/me", headers=headers)).json()["risk_level"] is None


async def test_bad_answers_and_old_versions_change_nothing(app, client, db, clock) -> None:
    headers = factories.bearer_for(app, await factories.make_user(db, now=clock.now()))
    version = questionnaire.CURRENT_VERSION
    incomplete = await client.post(
        "/api/v1/me/risk-assessment",
        headers=headers,
        json={"version": version, "answers": {"q1": "q1a"}},
    )
    assert incomplete.status_code == 422
    assert incomplete.json()["errors"][0]["field"] == "answers.q2"
    outdated = await client.post(
        "/api/v1/me/risk-assessment",
        headers=headers,
        json={"version": "1999.1", "answers": answers_for("C3")},
    )
    assert outdated.status_code == 409
    assert outdated.json()["code"] == "investment.questionnaire_outdated"
    empty = (await client.get("/api/v1/me/risk-assessments", headers=headers)).json()
    assert empty == {"items": [], "next_cursor": None}


async def test_qualification_declaration(app, client, db, clock) -> None:
    headers = factories.bearer_for(app, await factories.make_user(db, now=clock.now()))
    assert (await client.get("/api/v1/me/qualification", headers=headers)).json()[
        "qualified"
    ] is False
    short = await client.post(
        "/api/v1/me/qualification",
        headers=headers,
        json={"experience_years": 1, "financial_assets_minor": 10**9},
    )
    assert short.json()["qualified"] is False
    ok = await client.post(
        "/api/v1/me/qualification",
        headers=headers,
        json={"experience_years": 3, "net_financial_assets_minor": 300_000_000},
    )
    assert ok.status_code == 201 and ok.json()["qualified"] is True
    assert (await client.get("/api/v1/me/qualification", headers=headers)).json()[
        "qualified"
    ] is True
    bad = await client.post(
        "/api/v1/me/qualification", headers=headers, json={"experience_years": -1}
    )
    assert bad.status_code == 422


async def test_answers_and_declared_figures_are_encrypted_at_rest(app, client, db, clock) -> None:
    from sqlalchemy import text

    headers = factories.bearer_for(app, await factories.make_user(db, now=clock.now()))
    await client.post(
        "/api/v1/me/risk-assessment",
        headers=headers,
        json={"version": questionnaire.CURRENT_VERSION, "answers": answers_for("C3")},
    )
    await client.post(
        "/api/v1/me/qualification",
        headers=headers,
        json={"experience_years": 7, "financial_assets_minor": 612_345_678},
    )
    async with db.transaction(readonly=True) as session:
        answers = (
            await session.execute(text("SELECT answers FROM investment_assessment"))
        ).scalar_one()
        declared = (
            await session.execute(text("SELECT declaration FROM investment_qualification"))
        ).scalar_one()
    assert b"q1" not in bytes(answers)
    assert b"612345678" not in bytes(declared)
