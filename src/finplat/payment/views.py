"""The JSON shapes of payment records, shared by the service (stored idempotent answers) and
the reads: each read below is one read-only transaction returning what its endpoint answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from finplat.core.clock import business_day_start
from finplat.core.db import Database
from finplat.core.errors import NotFound
from finplat.core.pagination import Page, PageParams, page_of
from finplat.payment import export, queries
from finplat.payment.models import PaymentDeposit, PaymentReconciliationReport, PaymentWithdrawal
from finplat.payment.schemas import CallbackOut, ReconciliationItemOut, ReconciliationReportOut


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


def report_out(report: PaymentReconciliationReport, *, currency: str) -> ReconciliationReportOut:
    return ReconciliationReportOut(
        id=report.id,
        channel=report.channel,
        business_date=report.business_date,
        status=report.status,
        matched_count=report.matched_count,
        discrepancy_count=report.discrepancy_count,
        channel_total_minor=report.channel_total_minor,
        platform_total_minor=report.platform_total_minor,
        currency=currency,
        created_at=report.created_at,
    )


async def deposits(db: Database, *, user_id: int, page: PageParams) -> Page[dict[str, Any]]:
    """The user's deposits, newest first."""
    async with db.transaction(readonly=True) as session:
        rows = await queries.deposits_of(session, user_id=user_id, limit=page.fetch_limit,
                                         before_id=page.last_id)
    return page_of(rows, page, item=deposit_view)


async def withdrawals(db: Database, *, user_id: int, page: PageParams) -> Page[dict[str, Any]]:
    """The user's withdrawals, newest first."""
    async with db.transaction(readonly=True) as session:
        rows = await queries.withdrawals_of(session, user_id=user_id, limit=page.fetch_limit,
                                            before_id=page.last_id)
    return page_of(rows, page, item=withdrawal_view)


async def statement_csv(db: Database, *, user_id: int, from_date: date | None,
                        to_date: date | None, code: str | None) -> str:
    """The wallet's transactions in business days ``[from_date, to_date)`` as CSV (masked).
    Raises ``InvalidInput('payment.export_too_large')``."""
    async with db.transaction(readonly=True) as session:
        return await export.statement_csv(
            session,
            user_id=user_id,
            from_at=business_day_start(from_date) if from_date else None,
            to_at=business_day_start(to_date) if to_date else None,
            codes=[code] if code else None,
        )


async def reports(db: Database, *, business_date: date | None, channel: str | None,
                  page: PageParams, currency: str) -> Page[ReconciliationReportOut]:
    """Reconciliation reports, newest first."""
    async with db.transaction(readonly=True) as session:
        rows = await queries.reports(session, business_date=business_date, channel=channel,
                                     limit=page.fetch_limit, before_id=page.last_id)
    return page_of(rows, page, item=lambda row: report_out(row, currency=currency))


async def report(db: Database, *, report_id: int, currency: str) -> ReconciliationReportOut:
    """One report with its discrepancies; raises ``NotFound('payment.report_not_found')``."""
    async with db.transaction(readonly=True) as session:
        row = await queries.report(session, report_id)
        if row is None:
            raise NotFound("payment.report_not_found", "no such reconciliation report")
        items = await queries.report_items(session, report_id)
    out = report_out(row, currency=currency)
    out.items = [ReconciliationItemOut.model_validate(item, from_attributes=True)
                 for item in items]
    return out


async def callbacks(db: Database, *, outcome: str | None,
                    page: PageParams) -> Page[CallbackOut]:
    """Channel notifications as received, newest first."""
    async with db.transaction(readonly=True) as session:
        rows = await queries.callbacks(session, outcome=outcome, limit=page.fetch_limit,
                                       before_id=page.last_id)
    return page_of(rows, page,
                   item=lambda row: CallbackOut.model_validate(row, from_attributes=True))

