"""The operations console: deposit and withdrawal search, stuck orders, judicial freezes with
their reasons, the platform accounts' balances, ledger verify on demand and its last result."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from finplat.audit.models import AuditRecord
from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.payment.simulator import SimulatedChannel
from tests.factories import bearer_for, make_staff, make_user
from tests.integration.payment.fixtures import bank, channels, investor, post_callback
from tests.integration.payment.helpers import deposit, withdraw

__all__ = ["bank", "channels", "investor", "post_callback"]


@pytest.fixture
async def finance(app: FastAPI, db: Database, clock: FrozenClock) -> dict[str, str]:
    staff_id, *_ = await make_staff(db, now=clock.now(), role="finance")
    return bearer_for(app, staff_id)


async def test_deposit_and_withdrawal_search_by_state_channel_user_and_day(
    client: httpx.AsyncClient, app: FastAPI, db: Database, clock: FrozenClock,
    investor: dict[str, Any], bank: SimulatedChannel, post_callback: Any,
    finance: dict[str, str],
) -> None:
    first = (await deposit(client, investor["headers"], 50_000)).json()
    await bank.deliver_pending(post_callback)
    second = (await deposit(client, investor["headers"], 20_000, channel="thirdparty")).json()
    payout = (await withdraw(client, investor["headers"], 10_000)).json()
    other = await make_user(db, now=clock.now())
    await deposit(client, bearer_for(app, other), 7_000)

    async def ids(**params: Any) -> list[int]:
        response = await client.get("/api/v1/admin/payments/orders", params=params,
                                    headers=finance)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    user = investor["user_id"]
    assert await ids(user_id=user) == [second["id"], first["id"]]
    assert await ids(user_id=user, status="succeeded") == [first["id"]]
    assert await ids(user_id=user, channel="thirdparty") == [second["id"]]
    assert await ids(kind="withdrawal") == [payout["id"]]
    today = clock.now().date()
    assert await ids(user_id=user, **{"from": str(today + timedelta(days=2))}) == []
    page = (await client.get("/api/v1/admin/payments/orders",
                             params={"limit": 1, "user_id": user}, headers=finance)).json()
    item = page["items"][0]
    assert item["user_id"] == user and item["kind"] == "deposit" and page["next_cursor"]
    rest = await ids(user_id=user, cursor=page["next_cursor"])
    assert rest == [first["id"]]
    empty = await client.get("/api/v1/admin/payments/orders",
                             params={"from": "2026-01-02", "to": "2026-01-01"}, headers=finance)
    assert empty.status_code == 422
    customer = await client.get("/api/v1/admin/payments/orders", headers=investor["headers"])
    assert customer.status_code == 403


async def test_stuck_orders_are_the_unfinished_older_than_asked(
    client: httpx.AsyncClient, clock: FrozenClock, investor: dict[str, Any],
    finance: dict[str, str],
) -> None:
    stuck = (await deposit(client, investor["headers"], 9_000)).json()
    fresh = await client.get("/api/v1/admin/payments/stuck", headers=finance)
    assert fresh.json()["items"] == []  # younger than 10 minutes
    clock.advance(timedelta(minutes=11))
    headers = {**finance}
    listed = (await client.get("/api/v1/admin/payments/stuck", headers=headers)).json()["items"]
    assert [(o["id"], o["status"]) for o in listed] == [(stuck["id"], "pending")]
    none = await client.get("/api/v1/admin/payments/stuck?kind=withdrawal", headers=headers)
    assert none.json()["items"] == []
    assert (await client.get("/api/v1/admin/payments/stuck?older_than_minutes=-1",
                             headers=headers)).status_code == 422


async def _fund(db: Database, clock: FrozenClock, user_id: int, amount: int) -> int:
    from finplat.core.money import Money
    from finplat.ledger import service as ledger_service

    async def work(session: Any) -> int:
        wallet = await ledger_service.wallet_of(session, user_id)
        custody = await ledger_service.platform_account(session, kind="custody_cash",
                                                        now=clock.now())
        await ledger_service.transfer(session, source_type="test_deposit", source_id=str(wallet),
                                      code="deposit", debit_account_id=custody,
                                      credit_account_id=wallet, amount=Money(amount),
                                      now=clock.now())
        assert wallet is not None
        return wallet

    return await db.run(work)


async def test_judicial_freezes_listed_with_reasons_and_released(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock, finance: dict[str, str],
) -> None:
    user_id = await make_user(db, now=clock.now())
    wallet = await _fund(db, clock, user_id, 10_000)
    held = await client.post(f"/api/v1/admin/accounts/{wallet}/freeze",
                             json={"amount_minor": 3_000, "reason": "法院协助冻结 (2026)01号"},
                             headers={**finance, "Idempotency-Key": "f1"})
    assert held.status_code == 201, held.text
    hold_id = held.json()["hold_id"]
    listed = (await client.get("/api/v1/admin/ledger/freezes?status=open",
                               headers=finance)).json()["items"]
    assert [(f["hold_id"], f["amount_minor"], f["reason"], f["owner_user_id"])
            for f in listed] == [(hold_id, 3_000, "法院协助冻结 (2026)01号", user_id)]
    released = await client.post(f"/api/v1/admin/accounts/{wallet}/unfreeze",
                                 json={"hold_id": hold_id, "reason": "released by court"},
                                 headers={**finance, "Idempotency-Key": "f2"})
    assert released.status_code == 200
    assert (await client.get("/api/v1/admin/ledger/freezes?status=open",
                             headers=finance)).json()["items"] == []
    [gone] = (await client.get(f"/api/v1/admin/ledger/freezes?owner_user_id={user_id}",
                               headers=finance)).json()["items"]
    assert gone["status"] == "voided" and gone["released_at"] is not None


async def test_platform_accounts_and_ledger_verify_with_its_last_result(
    client: httpx.AsyncClient, db: Database, clock: FrozenClock, finance: dict[str, str],
) -> None:
    user_id = await make_user(db, now=clock.now())
    await _fund(db, clock, user_id, 12_345)
    accounts = (await client.get("/api/v1/admin/ledger/platform-accounts",
                                 headers=finance)).json()["items"]
    custody = next(a for a in accounts if a["kind"] == "custody_cash")
    assert custody["balance_minor"] == 12_345
    assert all(a["reference"] == "platform" for a in accounts)
    before = (await client.get("/api/v1/admin/ledger/verify", headers=finance)).json()
    assert before == {"last": None}
    checked = await client.post("/api/v1/admin/ledger/verify", headers=finance)
    assert checked.status_code == 200 and checked.json()["ok"] is True
    assert checked.json()["entries"] >= 1
    last = (await client.get("/api/v1/admin/ledger/verify", headers=finance)).json()["last"]
    assert last["ok"] is True and last["entries"] == checked.json()["entries"]
    async with db.transaction(readonly=True) as session:
        [record] = await session.scalars(select(AuditRecord)
                                         .where(AuditRecord.action == "ledger.verified"))
    assert record.summary["ok"] is True


async def test_fund_statistics_are_open_to_finance(
    client: httpx.AsyncClient, finance: dict[str, str]
) -> None:
    response = await client.get("/api/v1/admin/stats/funds?from=2026-12-01&to=2026-12-03",
                                headers=finance)
    assert response.status_code == 200 and len(response.json()["days"]) == 2
