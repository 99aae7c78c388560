"""Overdue → penalty and buckets → reserve compensation → late recovery to the reserve;
write-off at M3+."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.core.errors import Conflict
from finplat.lending import collection, overdue, repayment, reserve
from finplat.lending.models import (
    HOLDER_RESERVE,
    INSTALLMENT_COMPENSATED,
    INSTALLMENT_OVERDUE,
    INSTALLMENT_WRITTEN_OFF,
    LOAN_PAID_OFF,
    LOAN_WRITTEN_OFF,
)
from tests import factories
from tests.integration.investment.helpers import deposit
from tests.integration.lending.helpers import (
    available,
    claims_of,
    disbursed_loan,
    fund_reserve,
    installments_of,
    loan_of,
    reserve_balance,
)

START = date(2026, 1, 10)


async def _spend_all(db: Database, user_id: int, now) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.lending.test_collection import _spend

    await _spend(db, user_id, await available(db, user_id), now)


async def _days(db: Database, first: date, last: date, now) -> None:  # type: ignore[no-untyped-def]
    day = first
    while day <= last:
        await collection.collect_day(db, business_date=day, now=now)
        await overdue.overdue_day(db, business_date=day, now=now)
        day += timedelta(days=1)


async def test_overdue_penalty_buckets_and_compensation_then_recovery(
        db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    case = await disbursed_loan(db, now=now, start_date=START, grace_days=3)
    await _spend_all(db, case.borrower_id, now)
    first = case.installments[0]
    # Within the grace days: due, no penalty, still current.
    await _days(db, first.due_date, first.due_date + timedelta(days=3), now)
    row = (await installments_of(db, case.loan_id))[0]
    assert row.status == "due" and row.penalty_minor == 0
    assert (await loan_of(db, case.loan_id)).bucket == "current"
    # Day 4: overdue, penalty for the 4 days since the due date, bucket M1.
    day4 = first.due_date + timedelta(days=4)
    await _days(db, day4, day4, now)
    row = (await installments_of(db, case.loan_id))[0]
    base = first.principal_minor + first.interest_minor
    assert row.status == INSTALLMENT_OVERDUE
    # 0.05% a day is above the cap at an LPR of 3% (12% a year): the cap's daily rate applies.
    cap = overdue.daily_cap("0.030000")
    assert cap < Decimal("0.0005")
    assert row.penalty_minor == int(base * cap * 4)
    loan = await loan_of(db, case.loan_id)
    assert (loan.bucket, loan.days_past_due) == ("M1", 4)
    # The same date again accrues nothing more.
    await overdue.overdue_day(db, business_date=day4, now=now)
    assert (await installments_of(db, case.loan_id))[0].penalty_minor == row.penalty_minor
    # Day 30: the reserve (funded) pays the investors and takes the claims over.
    await fund_reserve(db, amount_minor=2_000_000, now=now)
    day30 = first.due_date + timedelta(days=30)
    await _days(db, day4 + timedelta(days=1), day30, now)
    before = [await available(db, i) for i in case.investor_ids]
    reserve_before = await reserve_balance(db, now=now)
    assert await reserve.compensate(db, loan_id=case.loan_id, business_date=day30, days=30,
                                    now=now) == reserve.COMPENSATED
    paid = [await available(db, i) - b for i, b in zip(case.investor_ids, before, strict=True)]
    due_interest = sum(i.interest_minor for i in case.installments if i.due_date <= day30)
    assert len([i for i in case.installments if i.due_date <= day30]) == 2
    assert sum(paid) == 1_000_000 + due_interest
    assert paid[0] * 2 == pytest.approx(paid[1] * 3, abs=3)
    assert await reserve_balance(db, now=now) == reserve_before - sum(paid)
    claims = await claims_of(db, case.loan_id)
    assert [c.holder_kind for c in claims if c.transferred_at is None] == [HOLDER_RESERVE]
    # What each investor's claim received is what the reserve paid it (summed when read).
    assert [c.received_principal_minor + c.received_interest_minor + c.received_penalty_minor
            for c in claims if c.holder_kind != HOLDER_RESERVE] == paid
    assert sum(c.received_principal_minor for c in claims) == 1_000_000
    states = [r.status for r in await installments_of(db, case.loan_id)]
    assert states == [INSTALLMENT_COMPENSATED, INSTALLMENT_COMPENSATED, "scheduled"]
    # Again: nothing (the reserve holds the claim).
    assert await reserve.compensate(db, loan_id=case.loan_id, business_date=day30, days=30,
                                    now=now) == reserve.NOT_DUE
    # The borrower pays off later: every fen goes to the reserve (a recovery).
    reserve_before = await reserve_balance(db, now=now)
    investors_before = [await available(db, i) for i in case.investor_ids]
    quote = await repayment.quote(db, user_id=case.borrower_id, loan_id=case.loan_id,
                                  now=now.replace(year=2026, month=4, day=16))
    await deposit(db, user_id=case.borrower_id, amount_minor=quote["total_minor"], now=now)
    later = now.replace(month=4, day=16)
    outcome = await repayment.pay_off(db, user_id=case.borrower_id, loan_id=case.loan_id,
                                      expected_total_minor=quote["total_minor"],
                                      idempotency_key="payoff-1", now=later)
    assert outcome.status_code == 201 and outcome.body["kind"] == "recovery"
    assert await reserve_balance(db, now=now) == reserve_before + quote["total_minor"] \
        - quote["fee_minor"]
    assert [await available(db, i) for i in case.investor_ids] == investors_before
    assert (await loan_of(db, case.loan_id)).status == LOAN_PAID_OFF
    # The recovery is the reserve's claim's alone; the investors' figures stay as they were.
    after = await claims_of(db, case.loan_id)
    assert [(c.received_principal_minor, c.received_interest_minor, c.received_penalty_minor)
            for c in after if c.holder_kind != HOLDER_RESERVE] == [
        (c.received_principal_minor, c.received_interest_minor, c.received_penalty_minor)
        for c in claims if c.holder_kind != HOLDER_RESERVE]
    taken = next(c for c in after if c.holder_kind == HOLDER_RESERVE)
    assert (taken.received_principal_minor + taken.received_interest_minor
            + taken.received_penalty_minor) == quote["total_minor"] - quote["fee_minor"]
    assert taken.received_principal_minor == 1_000_000


async def test_underfunded_reserve_waits(db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    case = await disbursed_loan(db, now=now, start_date=START, reserve_minor=1_000)
    await _spend_all(db, case.borrower_id, now)
    first = case.installments[0]
    day = first.due_date + timedelta(days=31)
    await _days(db, day, day, now)
    assert await reserve.compensate(db, loan_id=case.loan_id, business_date=day, days=30,
                                    now=now) == reserve.UNDERFUNDED
    assert all(c.transferred_at is None for c in await claims_of(db, case.loan_id))


async def test_write_off_at_m3_plus_only(db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    case = await disbursed_loan(db, now=now, start_date=START)
    staff, *_ = await factories.make_staff(db, now=now, role="risk_officer")
    await _spend_all(db, case.borrower_id, now)
    first = case.installments[0]
    await _days(db, first.due_date + timedelta(days=40), first.due_date + timedelta(days=40),
                now)
    with pytest.raises(Conflict) as refused:
        await reserve.write_off(db, loan_id=case.loan_id, reason="无力偿还", actor_id=staff,
                                now=now)
    assert refused.value.code == "lending.write_off_refused"
    day = first.due_date + timedelta(days=61)
    await _days(db, day, day, now)
    assert (await loan_of(db, case.loan_id)).bucket == "M3+"
    result = await reserve.write_off(db, loan_id=case.loan_id, reason="无力偿还",
                                     actor_id=staff, now=now)
    assert result["status"] == LOAN_WRITTEN_OFF
    loan = await loan_of(db, case.loan_id)
    assert loan.written_off_by_user_id == staff and loan.write_off_reason == "无力偿还"
    rows = await installments_of(db, case.loan_id)
    assert {r.status for r in rows} == {INSTALLMENT_WRITTEN_OFF}
