"""The one-round-trip funds functions (PostgreSQL) write exactly what the portable code writes,
and hand every other case to it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from finplat.audit import service as audit_service
from finplat.audit.models import AuditRecord
from finplat.audit.sealing import seal_pending
from finplat.audit.verify import verify_chain
from finplat.core import idempotency
from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.ledger import service as ledger_service
from finplat.payment import callbacks, sql_paths
from finplat.payment.config import PaymentSettings
from finplat.payment.simulator import SimulatedChannel
from tests.factories import bearer_for, make_user, unique_bank_card
from tests.integration.payment.helpers import deposit, wallet, withdraw

# Rows a user's funds journey writes, by query; ``:user`` is the user's id.
_ROWS = {
    "deposit": "SELECT * FROM payment_deposit WHERE user_id = :user ORDER BY id",
    "withdrawal": "SELECT * FROM payment_withdrawal WHERE user_id = :user ORDER BY id",
    "hold": "SELECT h.* FROM ledger_hold h JOIN payment_withdrawal w ON h.id = w.hold_id::bigint"
    " WHERE w.user_id = :user ORDER BY h.id",
    "idempotency": "SELECT * FROM core_idempotency_key"
    " WHERE scope LIKE '%:' || CAST(CAST(:user AS bigint) AS text) ORDER BY id",
    "entry": "SELECT e.* FROM ledger_entry e WHERE e.id IN (SELECT p.entry_id"
    " FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id"
    " WHERE a.owner_user_id = :user)"
    " OR e.reference IN (SELECT reference FROM payment_withdrawal WHERE user_id = :user)"
    " ORDER BY e.id",
    "posting": "SELECT p.* FROM ledger_posting p JOIN ledger_entry e ON e.id = p.entry_id"
    " WHERE e.reference IN (SELECT reference FROM payment_deposit WHERE user_id = :user"
    " UNION SELECT reference FROM payment_withdrawal WHERE user_id = :user) ORDER BY p.id",
    "wallet": "SELECT * FROM ledger_account WHERE owner_user_id = :user",
    "callback": "SELECT * FROM payment_callback WHERE merchant_reference IN (SELECT reference"
    " FROM payment_deposit WHERE user_id = :user UNION SELECT reference FROM payment_withdrawal"
    " WHERE user_id = :user) ORDER BY id",
    "event": "SELECT * FROM events_outbox WHERE (payload ->> 'user_id')::bigint = :user"
    " ORDER BY id",
    "audit": "SELECT * FROM audit_record WHERE target_type IN ('deposit', 'withdrawal')"
    " AND (target_id IN (SELECT id::text FROM payment_deposit WHERE user_id = :user)"
    " AND target_type = 'deposit' OR target_id IN (SELECT id::text FROM payment_withdrawal"
    " WHERE user_id = :user) AND target_type = 'withdrawal') ORDER BY id",
}
# Values that differ between two identical journeys by construction.
_VARYING = {"id", "entry_id", "hold_id", "reference", "channel_reference", "merchant_reference",
            "ledger_transfer_id", "key", "scope", "owner_user_id", "account_id", "name",
            "debit_account_id", "credit_account_id", "user_id", "target_id", "actor_id",
            "deposit_id", "withdrawal_id", "source_id", "request_id", "bank_card_id",
            "content_hash", "notice_key", "updated_at", "created_at", "received_at", "processed_at"}


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "*" if k in _VARYING else _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


async def _journey(client: httpx.AsyncClient, headers: dict[str, str], bank: SimulatedChannel,
                   post_callback: Any) -> list[dict[str, Any]]:
    """A deposit and a withdrawal with their callbacks, a replay of each and the answers."""
    answers = []
    for send, amount in ((deposit, 10_000), (withdraw, 5_000)):
        response = await send(client, headers, amount, idempotency_key=f"k{amount}")
        assert response.status_code == 201, response.text
        replay = await send(client, headers, amount, idempotency_key=f"k{amount}")
        assert replay.json() == response.json()
        answers.append(response.json())
        await bank.deliver_pending(post_callback)
    return answers


async def _rows(db: Database, user_id: int) -> dict[str, list[dict[str, Any]]]:
    async with db.transaction(readonly=True) as session:
        return {name: [dict(row._mapping) for row in await session.execute(text(query),
                                                                           {"user": user_id})]
                for name, query in _ROWS.items()}


async def test_the_functions_write_what_the_portable_code_writes(
    app: Any, client: httpx.AsyncClient, db: Database, clock: FrozenClock,
    bank: SimulatedChannel, post_callback: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not sql_paths.available(db):
        pytest.skip("the one-round-trip functions exist on PostgreSQL only")
    app.state.payment_settings = PaymentSettings(withdrawal_fee_minor={"bank": 200}, _env_file=None)
    async with db.transaction() as session:
        # Created on first use by the portable code; the functions leave that case to it.
        await ledger_service.ensure_platform_accounts(session, now=clock.now())
    portable_calls: list[str] = []
    real_execute, real_apply = idempotency.execute, callbacks._apply

    async def counted_execute(*args: Any, **kwargs: Any) -> Any:
        portable_calls.append("open")
        return await real_execute(*args, **kwargs)

    async def counted_apply(*args: Any, **kwargs: Any) -> Any:
        portable_calls.append("callback")
        return await real_apply(*args, **kwargs)

    monkeypatch.setattr(idempotency, "execute", counted_execute)
    monkeypatch.setattr(callbacks, "_apply", counted_apply)
    seen = {}
    for fast in (True, False):
        monkeypatch.setattr(sql_paths, "enabled", fast)
        portable_calls.clear()
        user_id = await make_user(db, now=clock.now(), bank_card_number=unique_bank_card())
        answers = await _journey(client, bearer_for(app, user_id), bank, post_callback)
        # Callbacks always take the portable code: the database function deduplicates
        # notices on the old key (amount included), which let a malformed notice block.
        assert portable_calls == (["callback", "callback"] if fast else [
            "open", "open", "callback", "open", "open", "callback"])
        assert await wallet(db, user_id) == {"balance_minor": 5_000, "available_minor": 5_000,
                                             "frozen_minor": 0, "currency": "CNY"}
        rows = await _rows(db, user_id)
        assert [r["response_body"] for r in rows["idempotency"]] == answers
        assert len(rows["entry"]) == 4 and len(rows["posting"]) == 8 and len(rows["audit"]) == 4
        seen[fast] = (_normal(answers), _normal(rows))
    assert seen[True] == seen[False]
    # The audit records' content hashes, computed around the id in the database, verify.
    await seal_pending(db, now=clock.now())
    async with db.transaction(readonly=True) as session:
        report = await verify_chain(session)
    assert report.ok, report


async def test_other_cases_take_the_portable_path(
    app: Any, client: httpx.AsyncClient, db: Database, clock: FrozenClock,
    bank: SimulatedChannel, post_callback: Any,
) -> None:
    """A reused key, a refusal, a foreign card, a failed or repeated callback: the same answers
    as everywhere else (the funds e2e suites run on PostgreSQL too)."""
    user_id = await make_user(db, now=clock.now(), bank_card_number=unique_bank_card())
    headers = bearer_for(app, user_id)
    assert (await deposit(client, headers, 10_000, idempotency_key="a")).status_code == 201
    reused = await deposit(client, headers, 20_000, idempotency_key="a")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency.key_reused"
    [callback] = bank.pending
    await bank.deliver_pending(post_callback)
    again = await client.post(f"/api/v1/payments/callbacks/{callback.channel}",
                              content=callback.body, headers=callback.headers)
    assert again.json()["result"] == "duplicate"
    too_much = await withdraw(client, headers, 20_000, idempotency_key="b")
    assert too_much.status_code == 409 and too_much.json()["code"] == "ledger.insufficient_funds"
    assert (await withdraw(client, headers, 20_000, idempotency_key="b")).status_code == 409
    foreign = await withdraw(client, headers, 1_000, bank_card_id=10**12)
    assert foreign.status_code == 404
    bank.fail_next("account closed")
    assert (await withdraw(client, headers, 4_000)).status_code == 201
    await bank.deliver_pending(post_callback)
    assert await wallet(db, user_id) == {"balance_minor": 10_000, "available_minor": 10_000,
                                         "frozen_minor": 0, "currency": "CNY"}
    async with db.transaction(readonly=True) as session:
        actions = list(await session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))
    assert actions[-2:] == ["payment.withdrawal_created", "payment.withdrawal_failed"]


def test_the_audit_hash_cut_around_the_target_id_is_the_record_hash() -> None:
    now = datetime(2026, 3, 2, 2, 0, 7, 123_456, tzinfo=UTC)
    prepared = audit_service.prepare_for_database(
        action="payment.deposit_created", target_type="deposit", now=now, actor_id=7,
        summary={"amount_minor": 100, "channel": "银行"})
    cut = prepared["hash_prefix"] + json.dumps("123") + prepared["hash_suffix"]
    assert hashlib.sha256(cut.encode()).hexdigest() == audit_service.compute_content_hash(
        actor_id=7, action="payment.deposit_created", target_type="deposit", target_id="123",
        summary={"amount_minor": 100, "channel": "银行"}, request_id=None, ip=None,
        created_at=now)
