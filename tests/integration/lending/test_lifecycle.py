"""Full life cycles through origination's real path (apply, review, bids, disbursement), for
every repayment method: collected on each due date, repaid by hand, paid off early; each
ends with the ledger verified."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.ledger.verify import verify_ledger
from finplat.lending import collection, overdue, repayment
from finplat.lending.distribution import owed
from finplat.lending.models import LOAN_PAID_OFF
from tests.integration.investment.helpers import deposit
from tests.integration.lending import origination_helpers as origination
from tests.integration.lending.helpers import available, claims_of, installments_of, loan_of

METHODS = ("equal_installment", "equal_principal", "interest_first", "bullet")


async def _verified(db: Database) -> None:
    async with db.transaction(readonly=True) as session:
        report = await verify_ledger(session)
    assert report.ok, report.problems


async def _loan(db: Database, clock: FrozenClock, method: str, **changes):  # type: ignore[no-untyped-def]
    now = clock.now()
    product = await origination.active_product(db, now, service_fee_rate=Decimal("0.001"),
                                               **changes)
    made = await origination.disbursed_loan(db, now, amount_minor=1_200_000, investors=3,
                                            product=product, term_months=3,
                                            repayment_method=method)
    rows = await installments_of(db, made["loan_id"])
    await deposit(db, user_id=made["borrower_id"],
                  amount_minor=sum(owed(r).total_minor for r in rows), now=now)
    before = [await available(db, i) for i in made["investor_ids"]]
    return made, rows, before


@pytest.mark.parametrize("method", METHODS)
async def test_collected_on_each_due_date(db: Database, clock: FrozenClock, method: str) -> None:
    made, rows, before = await _loan(db, clock, method)
    for row in rows:
        await collection.collect_day(db, business_date=row.due_date, now=clock.now())
        await overdue.overdue_day(db, business_date=row.due_date, now=clock.now())
    loan = await loan_of(db, made["loan_id"])
    assert loan.status == LOAN_PAID_OFF
    interest = sum(r.interest_minor for r in rows)
    claims = await claims_of(db, made["loan_id"])
    assert sum(c.received_principal_minor for c in claims) == 1_200_000
    assert sum(c.received_interest_minor for c in claims) == interest
    gained = [await available(db, i) - b
              for i, b in zip(made["investor_ids"], before, strict=True)]
    assert gained == [c.received_principal_minor + c.received_interest_minor for c in claims]
    await _verified(db)


@pytest.mark.parametrize("method", METHODS)
async def test_repaid_by_hand_then_paid_off_early(db: Database, clock: FrozenClock,
                                                  method: str) -> None:
    made, rows, _before = await _loan(db, clock, method, service_fee_kind="per_installment")
    now = clock.now()
    if method != "bullet":
        first = rows[0]
        on_due = now.replace(month=first.due_date.month, day=first.due_date.day)
        paid = await repayment.repay(db, user_id=made["borrower_id"], loan_id=made["loan_id"],
                                     amount_minor=None, idempotency_key="k1", now=on_due)
        assert paid.body["amount_minor"] == owed(first).total_minor
        period, repaid = rows[1], first.principal_minor
    else:
        period, repaid = rows[0], 0
    start = (await loan_of(db, made["loan_id"])).start_date if period.number == 1 \
        else rows[0].due_date
    day = start + timedelta(days=10)
    later = now.replace(month=day.month, day=day.day)
    quote = await repayment.quote(db, user_id=made["borrower_id"], loan_id=made["loan_id"],
                                  now=later)
    assert quote["principal_minor"] == 1_200_000 - repaid
    assert quote["fee_minor"] == 0 and quote["prepayment_fee_minor"] == 0
    # Interest to date: the current period's interest for the 10 days elapsed, half-up.
    days = (period.due_date - start).days
    assert quote["interest_minor"] == (2 * period.interest_minor * 10 + days) // (2 * days)
    done = await repayment.pay_off(db, user_id=made["borrower_id"], loan_id=made["loan_id"],
                                   expected_total_minor=quote["total_minor"],
                                   idempotency_key="k2", now=later)
    assert done.body["kind"] == "prepayment" and done.body["amount_minor"] == quote["total_minor"]
    assert (await loan_of(db, made["loan_id"])).status == LOAN_PAID_OFF
    claims = await claims_of(db, made["loan_id"])
    assert sum(c.received_principal_minor for c in claims) == 1_200_000
    assert {r.status for r in await installments_of(db, made["loan_id"])} == {"paid"}
    await _verified(db)
