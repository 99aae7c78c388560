"""Applying a risk officer's decision on a withdrawal held for review, inside the decision's
transaction (``finplat.risk.reviews``): released, it becomes ``created`` and goes to its
channel through the normal hand-over after the commit (and through the recovery loop if that
is lost); refused, it fails like any unpaid withdrawal (hold voided, ``payment.withdrawal_failed``).
Each is a guarded change from ``held_for_review``: a withdrawal is decided once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core.errors import Conflict, NotFound
from finplat.payment import settling
from finplat.payment.models import PaymentWithdrawal
from finplat.payment.service import CREATED, HELD
from finplat.payment.views import withdrawal_view


async def _held(session: AsyncSession, withdrawal_id: int) -> PaymentWithdrawal:
    withdrawal = await session.scalar(select(PaymentWithdrawal).where(
        PaymentWithdrawal.id == withdrawal_id).with_for_update())
    if withdrawal is None:
        raise NotFound("payment.withdrawal_not_found", "no such withdrawal")
    if withdrawal.status != HELD:
        raise Conflict("payment.withdrawal_not_held", "the withdrawal is not held for review")
    return withdrawal


async def release_held_withdrawal(session: AsyncSession, *, withdrawal_id: int,
                                  actor_id: int, now: datetime) -> dict[str, Any]:
    """``held_for_review`` -> ``created`` (hold kept); returns the withdrawal's view, which the
    caller hands to ``handover.submit_withdrawal`` after its commit. Raises
    ``NotFound('payment.withdrawal_not_found')``, ``Conflict('payment.withdrawal_not_held')``."""
    withdrawal = await _held(session, withdrawal_id)
    withdrawal.status, withdrawal.updated_at = CREATED, now
    await audit_service.record(session, action="payment.withdrawal_released",
                               target_type="withdrawal", target_id=withdrawal.id, now=now,
                               actor_id=actor_id, summary={"amount_minor": withdrawal.amount_minor})
    await session.flush()
    return withdrawal_view(withdrawal)


async def refuse_held_withdrawal(session: AsyncSession, *, withdrawal_id: int, reason: str,
                                 now: datetime) -> dict[str, Any]:
    """``held_for_review`` -> ``failed``, its hold voided. Raises as
    ``release_held_withdrawal``."""
    withdrawal = await _held(session, withdrawal_id)
    await settling.fail(session, withdrawal, reason=reason, now=now)
    await session.flush()
    return withdrawal_view(withdrawal)
