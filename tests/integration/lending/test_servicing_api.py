"""Servicing over HTTP: the borrower's loans, schedule, repayment and payoff; the investor's
holdings; the operators' views and write-off; the public disclosure; inbox messages."""

from __future__ import annotations

from datetime import date, timedelta

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.lending import collection, overdue
from finplat.lending.distribution import owed
from tests import factories
from tests.integration.investment.helpers import deposit
from tests.integration.lending.helpers import disbursed_loan

API = "/api/v1"


async def test_borrower_repays_what_is_due_and_investors_see_it(app, client, db: Database,
                                                                clock: FrozenClock) -> None:
    now = clock.now()
    start = date(2026, 2, 10)
    case = await disbursed_loan(db, now=now, start_date=start)
    borrower = factories.bearer_for(app, case.borrower_id)
    investor = factories.bearer_for(app, case.investor_ids[0])
    stranger = factories.bearer_for(app, await factories.make_user(db, now=now))
    loan = (await client.get(f"{API}/me/loans", headers=borrower)).json()["items"][0]
    first = case.installments[0]
    assert loan["next_due"] == {"number": 1, "due_date": first.due_date.isoformat(),
                                "owed_minor": owed(first).total_minor, "status": "scheduled"}
    schedule = (await client.get(f"{API}/loans/{case.loan_id}/schedule", headers=investor)).json()
    assert [i["number"] for i in schedule["installments"]] == [1, 2, 3]
    assert set(schedule["installments"][0]) >= {"number", "due_date", "principal_minor",
                                                "interest_minor", "total_minor", "status"}
    assert (await client.get(f"{API}/loans/{case.loan_id}/schedule",
                             headers=stranger)).status_code == 404
    # Before the due date nothing is due: 409.
    url = f"{API}/me/loans/{case.loan_id}/repayments"
    early = await client.post(url, json={}, headers={**borrower, "Idempotency-Key": "a"})
    assert early.status_code == 409 and early.json()["code"] == "lending.nothing_due"
    assert (await client.post(url, json={}, headers=borrower)).status_code == 422
    clock.set(now.replace(month=first.due_date.month, day=first.due_date.day))
    borrower = factories.bearer_for(app, case.borrower_id)
    investor = factories.bearer_for(app, case.investor_ids[0])
    too_much = await client.post(url, json={"amount_minor": owed(first).total_minor + 1},
                                 headers={**borrower, "Idempotency-Key": "b"})
    assert too_much.status_code == 422
    assert too_much.json()["code"] == "lending.repayment_exceeds_due"
    paid = await client.post(url, json={}, headers={**borrower, "Idempotency-Key": "c"})
    assert paid.status_code == 201, paid.text
    assert paid.json()["amount_minor"] == owed(first).total_minor
    again = await client.post(url, json={}, headers={**borrower, "Idempotency-Key": "c"})
    assert again.status_code == 201 and again.json()["id"] == paid.json()["id"]
    holding = (await client.get(f"{API}/me/loan-holdings", headers=investor)).json()["items"][0]
    assert holding["received_principal_minor"] + holding["expected_principal_minor"] == 600_000
    assert holding["received_interest_minor"] == first.interest_minor * 6 // 10
    quote = (await client.get(f"{API}/me/loans/{case.loan_id}/payoff", headers=borrower)).json()
    assert quote["principal_minor"] == 1_000_000 - first.principal_minor
    changed = await client.post(f"{API}/me/loans/{case.loan_id}/payoff",
                                json={"expected_total_minor": quote["total_minor"] + 1},
                                headers={**borrower, "Idempotency-Key": "d"})
    assert changed.status_code == 409 and changed.json()["code"] == "lending.quote_changed"
    short = await client.post(f"{API}/me/loans/{case.loan_id}/payoff", json={},
                              headers={**borrower, "Idempotency-Key": "s"})
    assert short.status_code == 409 and short.json()["code"] == "ledger.insufficient_funds"
    await deposit(db, user_id=case.borrower_id, amount_minor=100_000, now=now)
    done = await client.post(f"{API}/me/loans/{case.loan_id}/payoff",
                             json={"expected_total_minor": quote["total_minor"]},
                             headers={**borrower, "Idempotency-Key": "e"})
    assert done.status_code == 201, done.text
    mine = (await client.get(f"{API}/me/loans", headers=borrower)).json()["items"][0]
    assert mine["status"] == "paid_off" and mine["next_due"] is None
    public = (await client.get(f"{API}/disclosure/lending")).json()
    assert public["lent_minor"] == 1_000_000 and public["repaid_principal_minor"] == 1_000_000


async def test_operators_see_overdue_loans_reserve_and_write_off(app, client, db: Database,
                                                                 clock: FrozenClock) -> None:
    now = clock.now()
    case = await disbursed_loan(db, now=now, start_date=date(2026, 1, 2))
    staff, *_ = await factories.make_staff(db, now=now, role="risk_officer")
    headers = factories.bearer_for(app, staff)
    customer = factories.bearer_for(app, case.borrower_id)
    from tests.integration.lending.test_overdue_reserve import _spend_all

    await _spend_all(db, case.borrower_id, now)
    day = case.installments[0].due_date + timedelta(days=62)
    await collection.collect_day(db, business_date=day, now=now)
    await overdue.overdue_day(db, business_date=day, now=now)
    listed = (await client.get(f"{API}/admin/lending/overdue", headers=headers)).json()
    assert [(x["id"], x["bucket"], x["days_past_due"]) for x in listed["items"]] \
        == [(case.loan_id, "M3+", 62)]
    assert (await client.get(f"{API}/admin/lending/overdue?bucket=M1",
                             headers=headers)).json()["items"] == []
    assert (await client.get(f"{API}/admin/lending/overdue",
                             headers=customer)).status_code == 403
    reserve = (await client.get(f"{API}/admin/lending/reserve", headers=headers)).json()
    assert reserve["balance_minor"] == 10_000
    assert reserve["overdue_principal_minor"] == 1_000_000
    assert reserve["coverage_of_overdue"] == "0.0100"
    public = (await client.get(f"{API}/disclosure/lending")).json()
    assert {b["bucket"]: b["rate"] for b in public["overdue"]} == {
        "M1": "0.0000", "M2": "0.0000", "M3+": "1.0000"}
    bad = await client.post(f"{API}/admin/loans/{case.loan_id}/write-off", json={"reason": ""},
                            headers=headers)
    assert bad.status_code == 422
    done = await client.post(f"{API}/admin/loans/{case.loan_id}/write-off",
                             json={"reason": "借款人失联"}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "written_off"
    again = await client.post(f"{API}/admin/loans/{case.loan_id}/write-off",
                              json={"reason": "借款人失联"}, headers=headers)
    assert again.status_code == 409


async def test_borrower_is_reminded_and_told_of_overdue_in_both_languages(
        app, client, db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    case = await disbursed_loan(db, now=now, start_date=date(2026, 2, 2))
    first = case.installments[0]
    from tests.integration.lending.test_overdue_reserve import _spend_all

    await _spend_all(db, case.borrower_id, now)
    assert await overdue.remind(db, business_date=first.due_date - timedelta(days=3), days=3,
                                now=now) == 1
    await overdue.overdue_day(db, business_date=first.due_date + timedelta(days=4), now=now)
    await factories.deliver_events(db, now=now)
    headers = factories.bearer_for(app, case.borrower_id)
    zh = (await client.get(f"{API}/me/notifications", headers=headers)).json()["items"]
    assert {m["title"] for m in zh} >= {"还款提醒", "逾期提醒"}
    en = (await client.get(f"{API}/me/notifications",
                           headers={**headers, "Accept-Language": "en"})).json()["items"]
    assert {m["title"] for m in en} >= {"Repayment due soon", "Repayment overdue"}
