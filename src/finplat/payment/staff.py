"""Operations' reads of payments: deposit and withdrawal search, stuck orders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from finplat.core.db import Database
from finplat.core.errors import field_error
from finplat.core.pagination import Page, PageParams, page_of
from finplat.payment.handover import UNFINISHED
from finplat.payment.models import PaymentDeposit, PaymentWithdrawal
from finplat.payment.views import deposit_view, withdrawal_view

MODELS: dict[str, type[PaymentDeposit] | type[PaymentWithdrawal]] = {
    "deposit": PaymentDeposit, "withdrawal": PaymentWithdrawal}


def staff_view(order: PaymentDeposit | PaymentWithdrawal) -> dict[str, Any]:
    """An order as operations see it: the customer's view plus who and the recovery state."""
    base = deposit_view(order) if isinstance(order, PaymentDeposit) else withdrawal_view(order)
    due = order.recovery_due_at
    return {**base, "kind": "deposit" if isinstance(order, PaymentDeposit) else "withdrawal",
            "user_id": order.user_id, "channel_reference": order.channel_reference,
            "updated_at": order.updated_at.isoformat(),
            "recovery_due_at": due.isoformat() if due else None}


async def search_orders(
    db: Database, *, kind: str, page: PageParams, status: str | None = None,
    channel: str | None = None, user_id: int | None = None,
    created_from: datetime | None = None, created_to: datetime | None = None,
) -> Page[dict[str, Any]]:
    """Deposits or withdrawals, newest first, filtered by state, channel, customer and a
    half-open creation period. Raises ``InvalidInput`` (bad cursor, empty period)."""
    if created_from and created_to and created_from >= created_to:
        raise field_error("to", "must be after from")
    model = MODELS[kind]
    query = select(model).order_by(model.id.desc()).limit(page.fetch_limit)
    for column, value in ((model.status, status), (model.channel, channel),
                          (model.user_id, user_id)):
        if value is not None:
            query = query.where(column == value)
    if created_from is not None:
        query = query.where(model.created_at >= created_from)
    if created_to is not None:
        query = query.where(model.created_at < created_to)
    if page.last_id is not None:
        query = query.where(model.id < page.last_id)
    async with db.transaction(readonly=True) as session:
        rows: list[Any] = list(await session.scalars(query))
    return page_of(rows, page, item=staff_view)


async def stuck_orders(
    db: Database, *, kind: str, older_than_minutes: int, now: datetime, page: PageParams
) -> Page[dict[str, Any]]:
    """Unfinished orders (no outcome yet) created more than ``older_than_minutes`` ago, oldest
    first: what the recovery loop has not settled. Raises ``InvalidInput`` (bad cursor)."""
    model = MODELS[kind]
    query = (select(model)
             .where(model.status.in_(UNFINISHED[model]),
                    model.created_at <= now - timedelta(minutes=older_than_minutes))
             .order_by(model.id).limit(page.fetch_limit))
    if page.last_id is not None:
        query = query.where(model.id > page.last_id)
    async with db.transaction(readonly=True) as session:
        rows: list[Any] = list(await session.scalars(query))
    return page_of(rows, page, item=staff_view)
