"""The JSON shapes of payment records, shared by the service (stored idempotent answers) and
the list endpoints."""

from __future__ import annotations

from typing import Any

from finplat.payment.models import PaymentDeposit, PaymentWithdrawal


def _instant(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def deposit_view(deposit: PaymentDeposit) -> dict[str, Any]:
    return {
        "id": deposit.id,
        "status": deposit.status,
        "amount_minor": deposit.amount_minor,
        "currency": deposit.currency,
        "channel": deposit.channel,
        "reference": deposit.reference,
        "failure_reason": deposit.failure_reason,
        "created_at": _instant(deposit.created_at),
        "completed_at": _instant(deposit.channel_completed_at),
    }


def withdrawal_view(withdrawal: PaymentWithdrawal) -> dict[str, Any]:
    return {
        "id": withdrawal.id,
        "status": withdrawal.status,
        "amount_minor": withdrawal.amount_minor,
        "fee_minor": withdrawal.fee_minor,
        "currency": withdrawal.currency,
        "channel": withdrawal.channel,
        "reference": withdrawal.reference,
        "bank_card_id": withdrawal.bank_card_id,
        "failure_reason": withdrawal.failure_reason,
        "created_at": _instant(withdrawal.created_at),
        "completed_at": _instant(withdrawal.channel_completed_at),
    }
