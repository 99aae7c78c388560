"""The ledger over HTTP: a customer's balance and transactions, staff freezes and closes."""

from __future__ import annotations

from datetime import timedelta

from finplat.core.money import Money
from finplat.ledger import service as ledger_service
from tests.factories import bearer_for, make_staff, make_user


async def _fund(db, clock, user_id: int, amount_minor: int, source_id: str) -> int:
    async def work(session):
        wallet = await ledger_service.wallet_of(session, user_id)
        custody = await ledger_service.platform_account(session, kind="custody_cash",
                                                        now=clock.now())
        await ledger_service.transfer(session, source_type="test_deposit", source_id=source_id,
                                      code="deposit", debit_account_id=custody,
                                      credit_account_id=wallet, amount=Money(amount_minor),
                                      now=clock.now())
        return wallet

    return await db.run(work)


async def test_balance_and_transactions_of_a_verified_customer(client, app, db, clock):
    user_id = await make_user(db, now=clock.now())
    headers = bearer_for(app, user_id)
    response = await client.get("/api/v1/me/account", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"balance_minor": 0, "available_minor": 0, "frozen_minor": 0,
                               "currency": "CNY"}
    await _fund(db, clock, user_id, 100_000, "d1")
    clock.advance(timedelta(days=1))
    headers = bearer_for(app, user_id)  # tokens are short-lived; mint one for the new day
    await _fund(db, clock, user_id, 50_000, "d2")
    account = (await client.get("/api/v1/me/account", headers=headers)).json()
    assert account["balance_minor"] == 150_000 and account["available_minor"] == 150_000

    first = (await client.get("/api/v1/me/transactions?limit=1", headers=headers)).json()
    [line] = first["items"]
    assert line["type"] == "deposit" and line["direction"] == "in"
    assert line["amount_minor"] == 50_000 and line["balance_after_minor"] == 150_000
    rest = (await client.get(f"/api/v1/me/transactions?limit=1&cursor={first['next_cursor']}",
                             headers=headers)).json()
    assert [item["balance_after_minor"] for item in rest["items"]] == [100_000]

    day = clock.now().date().isoformat()
    dated = (await client.get(f"/api/v1/me/transactions?from={day}", headers=headers)).json()
    assert [item["amount_minor"] for item in dated["items"]] == [50_000]
    typed = (await client.get("/api/v1/me/transactions?type=withdraw", headers=headers)).json()
    assert typed["items"] == []


async def test_unverified_customer_sees_zeros_and_no_transactions(client, app, db, clock):
    user_id = await make_user(db, now=clock.now(), verified=False)
    headers = bearer_for(app, user_id)
    assert (await client.get("/api/v1/me/account", headers=headers)).json()["balance_minor"] == 0
    assert (await client.get("/api/v1/me/transactions", headers=headers)).json() == {
        "items": [], "next_cursor": None}


async def test_bad_queries_are_4xx(client, app, db, clock):
    headers = bearer_for(app, await make_user(db, now=clock.now()))
    assert (await client.get("/api/v1/me/account")).status_code == 401
    for query in ("limit=0", "limit=101", "cursor=%%%", "from=2026-03-02&to=2026-03-01",
                  "from=yesterday"):
        response = await client.get(f"/api/v1/me/transactions?{query}", headers=headers)
        assert response.status_code == 422, (query, response.text)


async def test_staff_freeze_an_amount_and_the_account(client, app, db, clock):
    user_id = await make_user(db, now=clock.now())
    wallet = await _fund(db, clock, user_id, 10_000, "d1")
    customer = bearer_for(app, user_id)
    officer_id, *_ = await make_staff(db, now=clock.now(), role="risk_officer")
    officer = bearer_for(app, officer_id)

    forbidden = await client.post(f"/api/v1/admin/accounts/{wallet}/freeze",
                                  json={"amount_minor": 100, "reason": "x"},
                                  headers={**customer, "Idempotency-Key": "k0"})
    assert forbidden.status_code == 403

    freeze = {"amount_minor": 4_000, "reason": "court order 17"}
    held = await client.post(f"/api/v1/admin/accounts/{wallet}/freeze", json=freeze,
                             headers={**officer, "Idempotency-Key": "k" * 64})
    assert held.status_code == 201, held.text
    replay = await client.post(f"/api/v1/admin/accounts/{wallet}/freeze", json=freeze,
                               headers={**officer, "Idempotency-Key": "k" * 64})
    assert replay.json() == held.json()
    shown = (await client.get("/api/v1/me/account", headers=customer)).json()
    assert shown["frozen_minor"] == 4_000

    too_much = await client.post(f"/api/v1/admin/accounts/{wallet}/freeze",
                                 json={"amount_minor": 6_001, "reason": "more"},
                                 headers={**officer, "Idempotency-Key": "k2"})
    assert too_much.status_code == 409 and too_much.json()["code"] == "ledger.insufficient_funds"

    released = await client.post(f"/api/v1/admin/accounts/{wallet}/unfreeze",
                                 json={"hold_id": held.json()["hold_id"], "reason": "lifted"},
                                 headers={**officer, "Idempotency-Key": "k3"})
    assert released.status_code == 200 and released.json()["frozen_minor"] == 0

    frozen = await client.post(f"/api/v1/admin/accounts/{wallet}/freeze",
                               json={"reason": "fraud investigation"},
                               headers={**officer, "Idempotency-Key": "k4"})
    assert frozen.status_code == 200 and frozen.json()["status"] == "frozen"
    found = await client.get(f"/api/v1/admin/accounts?owner_user_id={user_id}", headers=officer)
    assert [item["id"] for item in found.json()["items"]] == [wallet]
    assert (await client.get("/api/v1/admin/accounts", headers=officer)).status_code == 422
    view = await client.get(f"/api/v1/admin/accounts/{wallet}", headers=officer)
    assert view.json()["status"] == "frozen" and view.json()["balance_minor"] == 10_000

    not_empty = await client.post(f"/api/v1/admin/accounts/{wallet}/close",
                                  json={"reason": "closing"},
                                  headers={**officer, "Idempotency-Key": "k5"})
    assert not_empty.status_code == 409 and not_empty.json()["code"] == "ledger.account_not_empty"

    missing = await client.get("/api/v1/admin/accounts/999999", headers=officer)
    assert missing.status_code == 404
    no_key = await client.post(f"/api/v1/admin/accounts/{wallet}/unfreeze",
                               json={"reason": "lifted"}, headers=officer)
    assert no_key.status_code == 422
