"""Early payoff: the prepayment fee as a contract term (quoted, held within the APR cap, booked
to fee revenue in the payoff's one entry) and ``lending.loan_prepaid``, which risk monitoring
compares with the income declared in the application."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from finplat.core.clock import FrozenClock
from finplat.core.db import Database
from finplat.events.models import OutboxEvent
from finplat.ledger import service as ledger_service
from finplat.ledger.models import LedgerEntry
from finplat.ledger.verify import verify_ledger
from finplat.lending import repayment
from finplat.lending.distribution import owed
from finplat.lending.models import LOAN_PAID_OFF, LoanProduct
from finplat.risk.models import RiskAlert
from tests.factories import deliver_events
from tests.integration.investment.helpers import deposit
from tests.integration.lending import origination_helpers as origination
from tests.integration.lending.helpers import installments_of, loan_of


async def _verified(db: Database) -> None:
    async with db.transaction(readonly=True) as session:
        report = await verify_ledger(session)
    assert report.ok, report.problems


async def _fee_revenue(db: Database, now: datetime) -> int:
    async def read(session: Any) -> int:
        account = await ledger_service.platform_account(session, kind="fee_revenue", now=now)
        return (await ledger_service.balance(session, account_id=account)).balance.amount_minor

    return await db.run(read)


async def _loan(db: Database, now: datetime, *, amount_minor: int = 1_200_000,
                fee_bps: int = 0) -> dict[str, Any]:
    product = await origination.active_product(db, now, prepayment_fee_rate_bps=fee_bps)
    made = await origination.disbursed_loan(db, now, amount_minor=amount_minor, investors=2,
                                            product=product, term_months=12)
    await deposit(db, user_id=made["borrower_id"], amount_minor=amount_minor * 2, now=now)
    return made


def _on(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)


async def test_the_prepayment_fee_is_quoted_capped_and_booked_to_fee_revenue(
    db: Database, clock: FrozenClock,
) -> None:
    now = clock.now()
    made = await _loan(db, now, fee_bps=50)  # 0.5% of the principal outstanding
    loan = await loan_of(db, made["loan_id"])
    assert loan.prepayment_fee_rate_bps == 50
    # Ten days in: 0.5% would add far more than the APR cap leaves, so the fee is held to it.
    early = await repayment.quote(db, user_id=made["borrower_id"], loan_id=loan.id,
                                  now=_on(now, 10))
    room = (Decimal(1_200_000) * (4 * Decimal(loan.lpr_one_year) - Decimal(loan.apr))
            * 10 / 365)
    assert 0 < early["prepayment_fee_minor"] == int(room) < 6_000
    # Five months in (after paying what fell due), 0.5% fits in the room: the whole 1% is charged.
    rows = await installments_of(db, loan.id)
    later = _on(now, 150)
    for row in rows:
        if row.due_date <= later.date():
            await repayment.repay(db, user_id=made["borrower_id"], loan_id=loan.id,
                                  amount_minor=None, idempotency_key=f"due-{row.number}",
                                  now=datetime.combine(row.due_date, now.timetz()))
    quote = await repayment.quote(db, user_id=made["borrower_id"], loan_id=loan.id, now=later)
    assert quote["prepayment_fee_minor"] == quote["principal_minor"] // 200 > 0
    assert quote["total_minor"] == (quote["principal_minor"] + quote["interest_minor"]
                                    + quote["fee_minor"] + quote["penalty_minor"]
                                    + quote["prepayment_fee_minor"])
    revenue_before = await _fee_revenue(db, now)
    done = await repayment.pay_off(db, user_id=made["borrower_id"], loan_id=loan.id,
                                   expected_total_minor=quote["total_minor"],
                                   idempotency_key="payoff", now=later)
    assert done.body["amount_minor"] == quote["total_minor"]
    assert done.body["fee_minor"] == quote["fee_minor"] + quote["prepayment_fee_minor"]
    assert await _fee_revenue(db, now) - revenue_before == done.body["fee_minor"]
    assert (await loan_of(db, loan.id)).status == LOAN_PAID_OFF
    async with db.transaction(readonly=True) as session:  # one entry, the fee in it
        entries = (await session.scalars(select(LedgerEntry).where(
            LedgerEntry.source_id == f"prepayment:{loan.id}"))).all()
    assert len(entries) == 1
    await _verified(db)


async def test_a_later_product_edit_does_not_change_a_signed_loan(
    db: Database, clock: FrozenClock,
) -> None:
    now = clock.now()
    made = await _loan(db, now, fee_bps=0)
    async with db.transaction() as session:
        await session.execute(update(LoanProduct).where(
            LoanProduct.id == made["product"]["id"]).values(prepayment_fee_rate_bps=300))
    quote = await repayment.quote(db, user_id=made["borrower_id"], loan_id=made["loan_id"],
                                  now=_on(now, 200))
    assert quote["prepayment_fee_minor"] == 0


def test_the_fee_is_bounded_by_the_apr_cap() -> None:
    class Loan:
        prepayment_fee_rate_bps = 300
        lpr_one_year = "0.030000"
        apr = "0.110000"
        start_date = datetime(2026, 1, 1).date()

    on = datetime(2026, 4, 11).date()  # 100 days
    assert repayment.prepayment_fee(Loan(), principal_outstanding_minor=1_000_000,
                                    business_date=on, apr_cap_multiple=4) == 2_739
    Loan.apr = "0.120000"  # priced at the cap: no room for a fee
    assert repayment.prepayment_fee(Loan(), principal_outstanding_minor=1_000_000,
                                    business_date=on, apr_cap_multiple=4) == 0
    Loan.apr, Loan.prepayment_fee_rate_bps = "0.080000", 10
    assert repayment.prepayment_fee(Loan(), principal_outstanding_minor=1_000_000,
                                    business_date=on, apr_cap_multiple=4) == 1_000


async def _prepaid_alerts(db: Database, user_id: int) -> list[RiskAlert]:
    async with db.transaction(readonly=True) as session:
        return list((await session.scalars(select(RiskAlert).where(
            RiskAlert.rule_code == "early_payoff", RiskAlert.user_id == user_id))).all())


@pytest.mark.parametrize(("amount_minor", "alerted"), [(12_500_000, True), (1_000_000, False)])
async def test_an_early_payoff_far_above_declared_income_raises_the_risk_alert(
    db: Database, clock: FrozenClock, amount_minor: int, alerted: bool,
) -> None:
    now = clock.now()
    made = await _loan(db, now, amount_minor=amount_minor)
    later = _on(now, 10)
    quote = await repayment.quote(db, user_id=made["borrower_id"], loan_id=made["loan_id"],
                                  now=later)
    await repayment.pay_off(db, user_id=made["borrower_id"], loan_id=made["loan_id"],
                            expected_total_minor=quote["total_minor"], idempotency_key="p",
                            now=later)
    async with db.transaction(readonly=True) as session:
        [event] = (await session.scalars(select(OutboxEvent).where(
            OutboxEvent.topic == "lending.loan_prepaid"))).all()
    assert event.payload["loan_id"] == made["loan_id"]
    assert event.payload["amount_minor"] == quote["total_minor"]
    assert event.payload["declared_monthly_income_minor"] == origination.INCOME_MINOR
    await deliver_events(db, now=later)
    found = await _prepaid_alerts(db, made["borrower_id"])
    assert len(found) == (1 if alerted else 0)
    if alerted:
        assert found[0].factors[0]["declared_monthly_income_minor"] == origination.INCOME_MINOR
    assert sum(owed(r).total_minor for r in await installments_of(db, made["loan_id"])) == 0


def test_the_product_term_is_bounded() -> None:
    from pydantic import ValidationError

    from finplat.lending.products import MAX_PREPAYMENT_FEE_RATE_BPS
    from finplat.lending.schemas import LoanProductCreate

    body = {"name": "消费贷", "min_amount_minor": 100_000, "max_amount_minor": 1_000_000,
            "term_months": [12], "min_annual_rate": "0.06", "max_annual_rate": "0.1",
            "repayment_methods": ["equal_installment"], "service_fee_kind": "upfront",
            "service_fee_rate": "0.001", "penalty_daily_rate": "0.0003", "grace_days": 3,
            "reserve_rate": "0.002", "funding_window_days": 7}
    assert LoanProductCreate(**body).terms().prepayment_fee_rate_bps == 0  # the default
    top = LoanProductCreate(**body, prepayment_fee_rate_bps=MAX_PREPAYMENT_FEE_RATE_BPS)
    assert top.terms().prepayment_fee_rate_bps == 300
    for bad in (MAX_PREPAYMENT_FEE_RATE_BPS + 1, -1):
        with pytest.raises(ValidationError):
            LoanProductCreate(**body, prepayment_fee_rate_bps=bad)
