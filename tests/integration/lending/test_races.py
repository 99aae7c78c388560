"""A manual repayment racing the daily collection of the same installment collects it once."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, select

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.core.errors import DomainError
from finplat.lending import collection, repayment
from finplat.lending.distribution import owed
from finplat.lending.models import INSTALLMENT_PAID, Receipt
from tests.integration.investment.helpers import deposit
from tests.integration.lending.helpers import available, disbursed_loan, installments_of


async def test_repayment_and_collection_of_the_same_installment_collect_it_once(
        db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    cases = [await disbursed_loan(db, now=now, start_date=date(2026, 2, 2)) for _ in range(3)]
    due_date = cases[0].installments[0].due_date
    on_due = now.replace(month=due_date.month, day=due_date.day)
    for case in cases:
        # Enough in the wallet to pay the installment twice over.
        await deposit(db, user_id=case.borrower_id,
                      amount_minor=2 * owed(case.installments[0]).total_minor, now=now)
    before = {case.loan_id: await available(db, case.borrower_id) for case in cases}

    async def repay(case) -> None:  # type: ignore[no-untyped-def]
        try:
            await repayment.repay(db, user_id=case.borrower_id, loan_id=case.loan_id,
                                  amount_minor=None, idempotency_key=f"race-{case.loan_id}",
                                  now=on_due)
        except DomainError as error:
            assert error.code == "lending.nothing_due"

    await asyncio.gather(collection.collect_day(db, business_date=due_date, now=on_due,
                                                chunk_loans=1),
                         *(repay(case) for case in cases))
    for case in cases:
        first = case.installments[0]
        row = (await installments_of(db, case.loan_id))[0]
        assert row.status == INSTALLMENT_PAID
        assert before[case.loan_id] - await available(db, case.borrower_id) \
            == owed(first).total_minor

        async def receipts(session, loan_id=case.loan_id):  # type: ignore[no-untyped-def]
            return await session.scalar(select(func.sum(Receipt.amount_minor)).where(
                Receipt.loan_id == loan_id))

        assert await db.run(receipts, readonly=True) == owed(first).total_minor
