"""The daily reconciliation: each channel's statement for a business date against our settled
deposits and withdrawals. Every run is stored as a report; a mismatch is also an alert (the
report's status) and a ``payment.reconciliation_mismatch`` event on the outbox."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.clock import business_day_start
from finplat.core.db import Database
from finplat.core.money import CNY
from finplat.events import service as events_service
from finplat.payment import queries, reconciliation, statement_format
from finplat.payment.channels import ChannelRegistry
from finplat.payment.events import Reconciled, ReconciliationMismatch
from finplat.payment.models import PaymentReconciliationItem, PaymentReconciliationReport
from finplat.payment.schemas import ReconciliationReportOut
from finplat.payment.views import report_out

MATCHED = "matched"
MISMATCH = "mismatch"


async def _platform_records(
    session: AsyncSession, *, channel: str, business_date: date
) -> list[reconciliation.PlatformRecord]:
    start = business_day_start(business_date)
    end = business_day_start(business_date + timedelta(days=1))
    deposits, withdrawals = await queries.settled_between(
        session, channel=channel, start=start, end=end
    )
    records = [
        reconciliation.PlatformRecord("deposit", d.reference, d.amount_minor, d.channel_reference)
        for d in deposits
    ]
    # The channel pays out the amount less our fee; that is what its statement lists.
    records += [
        reconciliation.PlatformRecord(
            "withdrawal", w.reference, w.amount_minor - w.fee_minor, w.channel_reference
        )
        for w in withdrawals
    ]
    return records


async def reconcile_channel(
    *, db: Database, channels: ChannelRegistry, channel: str, business_date: date, now: datetime
) -> ReconciliationReportOut:
    """Reconcile one channel for one business date and store the report.

    Raises ``ServiceUnavailable('payment.channel_timeout')`` when the statement does not come,
    ``InvalidInput('payment.statement_malformed')`` for an unreadable file.
    """
    lines = statement_format.parse(await channels.fetch_statement(channel, business_date))

    async def work(session: AsyncSession) -> ReconciliationReportOut:
        records = await _platform_records(session, channel=channel, business_date=business_date)
        result = reconciliation.match(lines, records)
        report = PaymentReconciliationReport(
            channel=channel,
            business_date=business_date,
            status=MATCHED if result.ok else MISMATCH,
            matched_count=result.matched_count,
            discrepancy_count=len(result.discrepancies),
            channel_total_minor=result.channel_total_minor,
            platform_total_minor=result.platform_total_minor,
            created_at=now,
        )
        session.add(report)
        await session.flush()
        session.add_all(
            [
                PaymentReconciliationItem(
                    report_id=report.id,
                    kind=d.kind,
                    transaction_kind=d.transaction_kind,
                    merchant_reference=d.merchant_reference,
                    channel_reference=d.channel_reference,
                    platform_amount_minor=d.platform_amount_minor,
                    channel_amount_minor=d.channel_amount_minor,
                )
                for d in result.discrepancies
            ]
        )
        facts: dict[str, Any] = {
            "report_id": report.id, "channel": channel, "business_date": business_date,
            "matched_count": result.matched_count,
            "discrepancy_count": len(result.discrepancies),
        }
        await events_service.record(
            session, Reconciled(**facts), target_type="reconciliation_report",
            target_id=report.id, now=now,
        )
        if not result.ok:
            # The alert operations act on; the report above is its audited change.
            await events_service.emit(session, ReconciliationMismatch(**facts), now=now)
        return report_out(report, currency=CNY)

    return await db.run(work)


async def reconcile(
    *,
    db: Database,
    channels: ChannelRegistry,
    business_date: date,
    now: datetime,
    only: str | None = None,
) -> list[ReconciliationReportOut]:
    """Reconcile every channel (or ``only`` one) for ``business_date``."""
    names = [only] if only else list(channels.names())
    return [
        await reconcile_channel(
            db=db, channels=channels, channel=name, business_date=business_date, now=now
        )
        for name in names
    ]
