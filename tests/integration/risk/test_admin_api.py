"""``/admin/risk``: rules edited as versioned data, alerts, the case workflow with notes, SLA
and audit, suspicious-transaction reports generated and downloaded."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from finplat.audit.models import AuditRecord
from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.payment.simulator import SimulatedChannel
from tests.factories import bearer_for, deliver_events, make_staff
from tests.integration.payment.helpers import deposit

API = "/api/v1/admin/risk"


async def _officer(db: Database, clock: FrozenClock, app: Any) -> tuple[int, dict[str, str]]:
    officer_id, *_ = await make_staff(db, now=clock.now(), role="risk_officer")
    return officer_id, bearer_for(app, officer_id)


async def _actions(db: Database) -> list[str]:
    async with db.transaction(readonly=True) as session:
        return list((await session.scalars(select(AuditRecord.action).where(
            AuditRecord.action.like("risk.%")))).all())


async def test_rules_are_versioned_data(client: httpx.AsyncClient, db: Database,
                                        clock: FrozenClock, app: Any) -> None:
    _id, officer = await _officer(db, clock, app)
    rules = (await client.get(f"{API}/rules", headers=officer)).json()
    by_code = {rule["code"]: rule for rule in rules}
    assert by_code["large_value_cash"]["parameters"]["threshold_minor"] == 5_000_000
    assert by_code["hold_large_withdrawal"]["blocking"] is True
    changed = await client.patch(f"{API}/rules/velocity_day", headers=officer, json={
        "enabled": False, "parameters": {"per_day": 5}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.json()["enabled"] is False
    versions = (await client.get(f"{API}/rules/velocity_day/versions", headers=officer)).json()
    assert [(v["version"], v["parameters"]) for v in versions] == [(1, {"per_day": 3})]
    bad = await client.patch(f"{API}/rules/velocity_day", headers=officer,
                             json={"parameters": {"per_day": "many"}})
    assert bad.status_code == 422 and bad.json()["code"] == "risk.rule_parameters_invalid"
    missing = await client.patch(f"{API}/rules/no_such_rule", headers=officer, json={})
    assert missing.status_code == 404
    assert "risk.rule_changed" in await _actions(db)


async def test_case_workflow_to_a_suspicious_report(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock, app: Any,
    investor: dict[str, Any], bank: SimulatedChannel, post_callback: Any,
) -> None:
    for amount in (4_600_000, 4_700_000):  # structuring: twice just under 5万
        assert (await deposit(client, investor["headers"], amount)).status_code == 201
        await bank.deliver_pending(post_callback)
    await deliver_events(db, now=clock.now())
    officer_id, officer = await _officer(db, clock, app)
    alerts = (await client.get(f"{API}/alerts", params={"status": "open"},
                               headers=officer)).json()["items"]
    structuring = next(a for a in alerts if a["rule_code"] == "structuring")
    assert structuring["factors"][0]["count"] == 2
    opened = await client.post(f"{API}/cases", headers=officer,
                               json={"alert_ids": [structuring["id"]]})
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["status"] == "open" and case["severity"] == "high" and not case["overdue"]
    again = await client.post(f"{API}/cases", headers=officer,
                              json={"alert_ids": [structuring["id"]]})
    assert again.status_code == 409
    early = await client.post(f"{API}/cases/{case['id']}/close", headers=officer,
                              json={"resolution": "confirmed"})
    assert early.status_code == 409 and early.json()["code"] == "risk.case_state"
    started = await client.post(f"{API}/cases/{case['id']}/investigate", headers=officer)
    assert started.json()["status"] == "investigating"
    assert started.json()["assignee_id"] == officer_id
    noted = await client.post(f"{API}/cases/{case['id']}/notes", headers=officer,
                              json={"body": "两笔存款均略低于大额标准"})
    assert noted.json()["notes"][0]["body"] == "两笔存款均略低于大额标准"
    no_reason = await client.post(f"{API}/cases/{case['id']}/close", headers=officer,
                                  json={"resolution": "false_positive"})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "risk.reason_required"
    closed = await client.post(f"{API}/cases/{case['id']}/close", headers=officer,
                               json={"resolution": "confirmed", "reason": "split deposits"})
    assert closed.json()["status"] == "closed" and closed.json()["resolution"] == "confirmed"
    made = await client.post(f"{API}/reports", headers=officer, json={
        "type": "suspicious", "date": "2026-03-02", "format": "csv"})
    assert made.status_code == 201, made.text
    assert made.json()["rows"] == 2
    download = await client.get(f"{API}/reports/{made.json()['id']}/download", headers=officer)
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["amount_minor"] for r in rows] == ["4600000", "4700000"]
    assert rows[0]["reason"] == "structuring: split deposits"
    reported = await client.post(f"{API}/cases/{case['id']}/report", headers=officer)
    assert reported.json()["status"] == "reported"
    actions = await _actions(db)
    for action in ("risk.alert_raised", "risk.case_opened", "risk.case_changed",
                   "risk.case_note_added", "risk.report_generated", "risk.report_downloaded"):
        assert action in actions


async def test_case_age_and_sla(client: httpx.AsyncClient, db: Database, clock: FrozenClock,
                                app: Any, investor: dict[str, Any], bank: SimulatedChannel,
                                post_callback: Any) -> None:
    for _ in range(3):
        assert (await deposit(client, investor["headers"], 10_000)).status_code == 201
        await bank.deliver_pending(post_callback)
    await deliver_events(db, now=clock.now())
    officer_id, officer = await _officer(db, clock, app)
    [alert] = (await client.get(f"{API}/alerts", headers=officer)).json()["items"]
    assert alert["rule_code"] == "velocity_day" and alert["severity"] == "low"
    case = (await client.post(f"{API}/cases", headers=officer,
                              json={"alert_ids": [alert["id"]]})).json()
    clock.advance(timedelta(hours=241))
    later = (await client.get(f"{API}/cases/{case['id']}",
                              headers=bearer_for(app, officer_id))).json()
    assert later["overdue"] is True and later["age_hours"] == 241.0


async def test_customers_and_bad_input(client: httpx.AsyncClient, db: Database,
                                       clock: FrozenClock, app: Any,
                                       investor: dict[str, Any]) -> None:
    assert (await client.get(f"{API}/alerts", headers=investor["headers"])).status_code == 403
    _id, officer = await _officer(db, clock, app)
    assert (await client.get(f"{API}/cases/99", headers=officer)).status_code == 404
    bad = await client.post(f"{API}/reports", headers=officer,
                            json={"type": "large-value", "date": "2030-01-01"})
    assert bad.status_code == 422
    bad_case = await client.post(f"{API}/cases", headers=officer, json={"alert_ids": []})
    assert bad_case.status_code == 422
