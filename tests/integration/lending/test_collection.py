"""The daily collection: on the due date, from the borrower's wallet, split to the investors."""

from __future__ import annotations

from datetime import date, timedelta

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.lending import collection
from finplat.lending.distribution import owed
from finplat.lending.models import INSTALLMENT_PAID, INSTALLMENT_PARTIAL, LOAN_PAID_OFF
from tests.integration.investment.helpers import deposit
from tests.integration.lending.helpers import available, claims_of, disbursed_loan, loan_of

START = date(2026, 1, 31)


async def test_each_installment_collected_on_its_due_date_until_paid_off(
        db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    case = await disbursed_loan(db, now=now, start_date=START)
    total_due = sum(owed(i).total_minor for i in case.installments)
    # The borrower has the loan net of the reserve; add what the interest and fees need.
    await deposit(db, user_id=case.borrower_id, amount_minor=total_due, now=now)
    before = [await available(db, i) for i in case.investor_ids]
    for row in case.installments:
        assert await collection.collect_day(db, business_date=row.due_date, now=now) == 1
        # Run again the same day: nothing more is collected.
        assert await collection.collect_day(db, business_date=row.due_date, now=now) == 0
    loan = await loan_of(db, case.loan_id)
    assert loan.status == LOAN_PAID_OFF and loan.principal_outstanding_minor == 0
    claims = await claims_of(db, case.loan_id)
    assert [c.received_principal_minor for c in claims] == [600_000, 400_000]
    interest = sum(i.interest_minor for i in case.installments)
    assert sum(c.received_interest_minor for c in claims) == interest
    after = [await available(db, i) for i in case.investor_ids]
    received = [b - a for a, b in zip(before, after, strict=True)]
    assert sum(received) == 1_000_000 + interest
    assert received == [c.received_principal_minor + c.received_interest_minor for c in claims]


async def test_a_short_wallet_is_collected_partially(db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    case = await disbursed_loan(db, now=now, start_date=START, reserve_minor=0)
    first = case.installments[0]
    # Spend most of the loan: only 1,000.00 is left in the wallet.
    from tests.integration.lending.helpers import installments_of

    left = await available(db, case.borrower_id)
    await _spend(db, case.borrower_id, left - 100_000, now)
    assert await collection.collect_day(db, business_date=first.due_date, now=now) == 1
    row = (await installments_of(db, case.loan_id))[0]
    assert row.status == INSTALLMENT_PARTIAL
    assert row.paid_interest_minor == first.interest_minor
    assert row.paid_principal_minor == 100_000 - first.interest_minor
    assert row.paid_fee_minor == 0  # investors before the platform's fee
    assert await available(db, case.borrower_id) == 0
    await deposit(db, user_id=case.borrower_id, amount_minor=500_000, now=now)
    later = first.due_date + timedelta(days=1)
    assert await collection.collect_day(db, business_date=later, now=now) == 1
    row = (await installments_of(db, case.loan_id))[0]
    assert row.status == INSTALLMENT_PAID


async def _spend(db: Database, user_id: int, amount: int, now) -> None:  # type: ignore[no-untyped-def]
    from finplat.core.money import Money
    from finplat.ledger import service as ledger_service

    async def work(session) -> None:  # type: ignore[no-untyped-def]
        wallet = await ledger_service.wallet_of(session, user_id)
        cash = await ledger_service.platform_account(session, kind="custody_cash", now=now)
        await ledger_service.transfer(session, source_type="test_spend", source_id=str(user_id),
                                      code="withdraw", now=now, debit_account_id=wallet,
                                      credit_account_id=cash, amount=Money(amount))

    await db.run(work)


async def test_a_frozen_investor_wallet_holds_back_only_its_loan(db: Database,
                                                                 clock: FrozenClock) -> None:
    from finplat.ledger import service as ledger_service
    from tests.integration.lending.helpers import installments_of

    now = clock.now()
    held = await disbursed_loan(db, now=now, start_date=START)
    free = await disbursed_loan(db, now=now, start_date=START)

    async def freeze(session) -> None:  # type: ignore[no-untyped-def]
        wallet = await ledger_service.wallet_of(session, held.investor_ids[1])
        await ledger_service.freeze_account(session, account_id=wallet, reason="司法冻结",
                                            actor_id=None, now=now)

    await db.run(freeze)
    due = held.installments[0].due_date
    assert await collection.collect_day(db, business_date=due, now=now) == 1
    assert (await installments_of(db, held.loan_id))[0].status == "scheduled"
    assert (await installments_of(db, free.loan_id))[0].status == INSTALLMENT_PAID
