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
from collections.abc import Mapping
from datetime import datetime
from typing import Any

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

_OPEN_DEPOSIT = (
    "SELECT deposit_id, replay_status, replay_body FROM payment_open_deposit("
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb)"
)
_OPEN_WITHDRAWAL = (
    "SELECT withdrawal_id, bank_card_id, replay_status, replay_body "
    "FROM payment_open_withdrawal("
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb)"
)
_SETTLE_CALLBACK = (
    "SELECT outcome FROM payment_settle_callback("
    "$1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb)"
)


# A withdrawal's answer but what its function fills in.
_DATABASE_KNOWS = ("id", "bank_card_id")


def available(db: Database) -> bool:
    return enabled and db.dialect == "postgresql"


def _portable(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in _PORTABLE_SQLSTATES


async def _call(db: Database, sql: str, *arguments: Any) -> Mapping[str, Any] | None:
    """The function's row, or None when it handed the case to the portable path."""
    try:
        return await db.call_sql(
            sql, *arguments, retry_if=lambda error: not _portable(error) and is_retryable(error)
        )
    except DBAPIError as error:
        if _portable(error):
            return None
        raise


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _replay(row: Mapping[str, Any]) -> idempotency.Outcome:
    body = row["replay_body"]
    body = body if isinstance(body, dict) else json.loads(body)
    return idempotency.Outcome(int(row["replay_status"]), body, replayed=True)


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
    view = deposit_view(deposit)  # its id comes from the database
    row = await _call(
        db,
        _OPEN_DEPOSIT,
        scope,
        key,
        idempotency.request_hash(payload),
        now,
        deposit.user_id,
        deposit.channel,
        deposit.reference,
        deposit.amount_minor,
        deposit.currency,
        _dumps({name: value for name, value in view.items() if name != "id"}),
        _dumps(audit_service.prepare_for_database(now=now, **audit)),
    )
    if row is None:
        return None
    if row["deposit_id"] is None:
        return _replay(row)
    view["id"] = int(row["deposit_id"])
    return idempotency.Outcome(201, view)


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
    view = withdrawal_view(withdrawal)  # its id and card come from the database
    row = await _call(
        db,
        _OPEN_WITHDRAWAL,
        scope,
        key,
        idempotency.request_hash(payload),
        now,
        withdrawal.user_id,
        withdrawal.channel,
        withdrawal.reference,
        withdrawal.bank_card_id,
        withdrawal.amount_minor,
        withdrawal.fee_minor,
        withdrawal.currency,
        _dumps({name: value for name, value in view.items() if name not in _DATABASE_KNOWS}),
        _dumps(audit_service.prepare_for_database(now=now, **audit)),
    )
    if row is None:
        return None
    if row["withdrawal_id"] is None:
        return _replay(row)
    card = row["bank_card_id"]
    view["id"], view["bank_card_id"] = (
        int(row["withdrawal_id"]),
        None if card is None else int(card),
    )
    return idempotency.Outcome(201, view)


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
        channel,
        notification.channel_reference,
        notification.merchant_reference,
        kind,
        notification.amount_minor,
        notification.currency,
        notification.occurred_at,
        _dumps(notification.model_dump(mode="json")),
        now,
        _dumps(audit),
    )
    return None if row is None else str(row["outcome"])
