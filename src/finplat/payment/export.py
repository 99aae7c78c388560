"""The customer's statement as CSV: the ledger's transactions of the wallet, with the bank card
of each withdrawal (masked), for a bounded period."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import InvalidInput
from finplat.core.masking import scrub
from finplat.core.pagination import MAX_LIMIT
from finplat.identity import queries as identity_queries
from finplat.ledger import service as ledger_service
from finplat.payment.models import PaymentWithdrawal

MAX_EXPORT_ROWS = 10_000
COLUMNS = (
    "id",
    "created_at",
    "type",
    "direction",
    "amount_minor",
    "currency",
    "status",
    "balance_after_minor",
    "reference",
    "bank_card",
)


async def _cards_by_reference(
    session: AsyncSession, user_id: int, references: set[str]
) -> dict[str, str]:
    if not references:
        return {}
    rows = (
        await session.execute(
            select(PaymentWithdrawal.reference, PaymentWithdrawal.bank_card_id).where(
                PaymentWithdrawal.user_id == user_id,
                PaymentWithdrawal.reference.in_(sorted(references)),
                PaymentWithdrawal.bank_card_id.is_not(None),
            )
        )
    ).all()
    masked: dict[int, str] = {}
    for card in await identity_queries.bank_cards(session, user_id):
        masked[card.id] = card.card_number_masked
    return {row.reference: masked.get(row.bank_card_id, "") for row in rows}


async def statement_csv(
    session: AsyncSession,
    *,
    user_id: int,
    from_at: datetime | None,
    to_at: datetime | None,
    codes: list[str] | None,
) -> str:
    """The CSV text (header included). Personal data is masked; free text is scrubbed.

    Raises ``InvalidInput('payment.export_too_large')`` beyond ``MAX_EXPORT_ROWS`` rows.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    wallet_id = await ledger_service.wallet_of(session, user_id)
    if wallet_id is None:
        return out.getvalue()
    lines = []
    cursor: str | None = None
    while True:
        page = await ledger_service.statement(
            session,
            account_id=wallet_id,
            from_at=from_at,
            to_at=to_at,
            codes=codes,
            cursor=cursor,
            limit=MAX_LIMIT,
        )
        lines.extend(page.items)
        if len(lines) > MAX_EXPORT_ROWS:
            raise InvalidInput(
                "payment.export_too_large",
                f"more than {MAX_EXPORT_ROWS} rows; choose a shorter period",
            )
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    cards = await _cards_by_reference(
        session, user_id, {line.reference for line in lines if line.reference}
    )
    for line in lines:
        row = line.as_json()
        writer.writerow(
            [
                row["id"],
                row["created_at"],
                row["type"],
                row["direction"],
                row["amount_minor"],
                row["currency"],
                row["status"],
                "" if row["balance_after_minor"] is None else row["balance_after_minor"],
                scrub(row["reference"] or ""),
                cards.get(line.reference or "", ""),
            ]
        )
    return out.getvalue()
