"""The funds use cases in one round trip on PostgreSQL.

Opening a deposit, opening a withdrawal and applying a ``succeeded`` callback each run as one
database function (migration 0008) in one autocommit statement, instead of a transaction of
6 to 11 statements. They cover the usual case only. Anything else (a replayed key with another
body or still in progress, no wallet yet, a ledger refusal, an order in an unexpected state)
raises SQLSTATE ``FP001`` in the database, which rolls the statement back whole; the caller then
runs the same use case through its portable code, which holds the one definition of every
refusal, anomaly and error. Each function returns None for "use the portable path".
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from finplat.audit import service as audit_service
from finplat.core import idempotency
from finplat.core.db import Database, is_retryable
from finplat.payment.models import PaymentDeposit, PaymentWithdrawal
from finplat.payment.schemas import CallbackNotification
from finplat.payment.views import deposit_view, withdrawal_view

# Module switch, for tests that compare the two paths.
enabled = True

# "Take the portable path" (raised by the functions) and unique_violation (a duplicate ledger
# source: the portable path raises the ledger's DuplicateSource for it).
_PORTABLE_SQLSTATES = {"FP001", "23505"}

_OPEN_DEPOSIT = text(
    "SELECT deposit_id, replay_status, replay_body FROM payment_open_deposit("
    ":scope, :key, :hash, :now, :user_id, :channel, :reference, :amount, :currency, "
    "CAST(:body AS JSONB), CAST(:audit AS JSONB))"
)
_OPEN_WITHDRAWAL = text(
    "SELECT withdrawal_id, bank_card_id, hold_id, replay_status, replay_body "
    "FROM payment_open_withdrawal(:scope, :key, :hash, :now, :user_id, :channel, :reference, "
    ":bank_card_id, :amount, :fee, :currency, CAST(:body AS JSONB), CAST(:audit AS JSONB))"
)
_SETTLE_CALLBACK = text(
    "SELECT outcome FROM payment_settle_callback(:channel, :channel_reference, "
    ":merchant_reference, :kind, :amount, :currency, :occurred_at, CAST(:payload AS JSONB), "
    ":now, CAST(:audit AS JSONB))"
)


def available(db: Database) -> bool:
    return enabled and db.dialect == "postgresql"


def _portable(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _PORTABLE_SQLSTATES


async def _call(db: Database, statement: Any, parameters: dict[str, Any]) -> Any:
    """The function's row, or None when it handed the case to the portable path."""
    try:
        return await db.call(
            statement,
            parameters,
            retry_if=lambda error: not _portable(error) and is_retryable(error),
        )
    except DBAPIError as error:
        if _portable(error):
            return None
        raise


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _replay(row: Any) -> idempotency.Outcome:
    body = row.replay_body if isinstance(row.replay_body, dict) else json.loads(row.replay_body)
    return idempotency.Outcome(int(row.replay_status), body, replayed=True)


async def open_deposit(
    db: Database,
    *,
    scope: str,
    key: str,
    payload: dict[str, Any],
    deposit: PaymentDeposit,
    audit: dict[str, Any],
    now: datetime,
) -> idempotency.Outcome | None:
    """``deposit`` (not yet stored) opened under the key, as ``create_deposit``'s work does;
    ``audit`` is ``audit.service.record``'s keywords but the target."""
    body = deposit_view(deposit)
    del body["id"]
    row = await _call(
        db,
        _OPEN_DEPOSIT,
        {
            "scope": scope,
            "key": key,
            "hash": idempotency.request_hash(payload),
            "now": now,
            "user_id": deposit.user_id,
            "channel": deposit.channel,
            "reference": deposit.reference,
            "amount": deposit.amount_minor,
            "currency": deposit.currency,
            "body": _dumps(body),
            "audit": _dumps(audit_service.prepare_for_database(now=now, **audit)),
        },
    )
    if row is None:
        return None
    if row.deposit_id is None:
        return _replay(row)
    deposit.id = int(row.deposit_id)
    return idempotency.Outcome(201, deposit_view(deposit))


async def open_withdrawal(
    db: Database,
    *,
    scope: str,
    key: str,
    payload: dict[str, Any],
    withdrawal: PaymentWithdrawal,
    audit: dict[str, Any],
    now: datetime,
) -> idempotency.Outcome | None:
    """``withdrawal`` (not yet stored; ``bank_card_id`` as asked, None for the first active
    card) held and opened under the key, as ``create_withdrawal``'s work does."""
    body = withdrawal_view(withdrawal)
    del body["id"], body["bank_card_id"]
    row = await _call(
        db,
        _OPEN_WITHDRAWAL,
        {
            "scope": scope,
            "key": key,
            "hash": idempotency.request_hash(payload),
            "now": now,
            "user_id": withdrawal.user_id,
            "channel": withdrawal.channel,
            "reference": withdrawal.reference,
            "bank_card_id": withdrawal.bank_card_id,
            "amount": withdrawal.amount_minor,
            "fee": withdrawal.fee_minor,
            "currency": withdrawal.currency,
            "body": _dumps(body),
            "audit": _dumps(audit_service.prepare_for_database(now=now, **audit)),
        },
    )
    if row is None:
        return None
    if row.withdrawal_id is None:
        return _replay(row)
    withdrawal.id = int(row.withdrawal_id)
    withdrawal.bank_card_id = None if row.bank_card_id is None else int(row.bank_card_id)
    withdrawal.hold_id = str(row.hold_id)
    return idempotency.Outcome(201, withdrawal_view(withdrawal))


async def settle_callback(
    db: Database, *, channel: str, notification: CallbackNotification, now: datetime
) -> str | None:
    """Apply a ``succeeded`` notification; ``applied`` or ``duplicate``, as ``callbacks._apply``
    answers for it."""
    kind = notification.kind
    audit = audit_service.prepare_for_database(
        action=f"payment.{kind}_succeeded",
        target_type=kind,
        now=now,
        summary={"channel_reference": notification.channel_reference},
    )
    row = await _call(
        db,
        _SETTLE_CALLBACK,
        {
            "channel": channel,
            "channel_reference": notification.channel_reference,
            "merchant_reference": notification.merchant_reference,
            "kind": kind,
            "amount": notification.amount_minor,
            "currency": notification.currency,
            "occurred_at": notification.occurred_at,
            "now": now,
            "payload": _dumps(notification.model_dump(mode="json")),
            "audit": _dumps(audit),
        },
    )
    return None if row is None else str(row.outcome)
