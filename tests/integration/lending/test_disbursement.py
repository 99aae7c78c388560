"""Full funding disburses once: holds posted, the borrower paid net of the fee and the reserve
contribution, claims per investor, installments from the schedule, the agreement hashed and
audited, events and inbox messages."""

import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit.models import AuditRecord
from finplat.core.errors import Conflict
from finplat.events.models import OutboxEvent
from finplat.ledger import service as ledger_service
from finplat.lending import agreement, disbursement
from finplat.lending import schedule as schedule_rules
from finplat.lending.models import Agreement, Bid, Claim, Installment, Loan
from finplat.notification import service as notification_service
from tests import factories
from tests.integration.investment.helpers import wallet_balance
from tests.integration.lending import origination_helpers as h


async def _platform_balance(db, kind: str, now) -> int:  # type: ignore[no-untyped-def]
    async def work(session: AsyncSession) -> int:
        account = await ledger_service.platform_account(session, kind=kind, now=now)
        return (await ledger_service.balance(session, account_id=account)).balance.amount_minor

    return await db.run(work)


async def test_full_funding_disburses_once(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now, amount_minor=1_000_000)
    loan_id = listed["loan_id"]
    reserve_before = await _platform_balance(db, "risk_reserve", now)
    a, b = await h.investor_for(db, now), await h.investor_for(db, now)
    await h.bid(db, now, loan_id=loan_id, user_id=a, amount_minor=300_000)
    await h.bid(db, now, loan_id=loan_id, user_id=b, amount_minor=500_000)
    last = await h.bid(db, now, loan_id=loan_id, user_id=a, amount_minor=200_000)
    assert last["disbursed"] is True

    async with db.transaction(readonly=True) as session:
        loan = await session.get(Loan, loan_id)
        claims = list(await session.scalars(select(Claim).order_by(Claim.id)))
        installments = list(await session.scalars(
            select(Installment).where(Installment.loan_id == loan_id)
            .order_by(Installment.number)))
        bid_statuses = set(await session.scalars(select(Bid.status)))
        stored = await session.scalar(select(Agreement).where(Agreement.loan_id == loan_id))
        audited = await session.scalar(select(AuditRecord).where(
            AuditRecord.action == "lending.agreement_issued"))
        topics = list(await session.scalars(select(OutboxEvent.topic)))
    assert loan.status == "disbursed" and loan.principal_outstanding_minor == 1_000_000
    assert loan.start_date is not None and loan.disbursed_at == now
    assert bid_statuses == {"funded"}
    # One claim per investor, their bids added up, in the order of their first bid.
    assert [(c.user_id, c.principal_minor) for c in claims] == [(a, 500_000), (b, 500_000)]
    # The schedule, from the disbursement's business date, with the loan's rate.
    plan = schedule_rules.build_schedule(principal_minor=1_000_000,
                                         annual_rate=Decimal(loan.annual_rate), term_months=12,
                                         method="equal_installment", start_date=loan.start_date)
    assert [(i.due_date, i.principal_minor, i.interest_minor) for i in installments] == [
        (i.due_date, i.principal_minor, i.interest_minor) for i in plan.installments]
    assert sum(i.principal_minor for i in installments) == 1_000_000
    assert {i.status for i in installments} == {"scheduled"}
    # Money: investors paid in full, the borrower net of the 0.5% fee and 0.2% reserve.
    assert (await wallet_balance(db, a))["balance_minor"] == 10_000_000 - 500_000
    assert (await wallet_balance(db, b))["frozen_minor"] == 0
    assert (await wallet_balance(db, listed["borrower_id"]))["balance_minor"] == 993_000
    assert await _platform_balance(db, "risk_reserve", now) - reserve_before == 2_000
    # The agreement: the stored HTML is what was hashed, on the loan and in the audit chain.
    assert stored.sha256 == hashlib.sha256(stored.html.encode()).hexdigest()
    assert loan.agreement_sha256 == stored.sha256
    assert loan.agreement_version == agreement.TEMPLATE_VERSION
    assert audited.summary["sha256"] == stored.sha256
    assert "李*" in stored.html and "李四" not in stored.html
    assert "¥10,000.00" in stored.html
    for topic in ("lending.loan_disbursed", "lending.claim_recorded", "lending.bid_placed"):
        assert topic in topics
    # Messages to the borrower and each investor.
    await factories.deliver_events(db, now=now)
    for user in (listed["borrower_id"], a, b):
        assert await notification_service.unread_count(db, user_id=user) >= 1

    # Exactly once: a second attempt is refused by the state guard.
    async def again(session: AsyncSession) -> None:
        await disbursement.disburse(session, loan_id=loan_id, now=now)

    with pytest.raises(Conflict):
        await db.run(again)


async def test_agreement_is_for_the_parties_only(db, clock) -> None:
    now = clock.now()
    loan = await h.disbursed_loan(db, now)
    loan_id = loan["loan_id"]
    for user in (loan["borrower_id"], *loan["investor_ids"]):
        found = await agreement.read(db, loan_id=loan_id, user_id=user, staff=False)
        assert found["sha256"] == hashlib.sha256(found["html"].encode()).hexdigest()
    stranger = await factories.make_user(db, now=now)
    with pytest.raises(agreement.AgreementNotFound):
        await agreement.read(db, loan_id=loan_id, user_id=stranger, staff=False)
    assert (await agreement.read(db, loan_id=loan_id, user_id=stranger, staff=True))["html"]


@pytest.mark.parametrize("method", ["equal_principal", "interest_first", "bullet"])
async def test_every_method_and_per_installment_fee(db, clock, method: str) -> None:
    now = clock.now()
    product = await h.active_product(db, now, service_fee_kind="per_installment",
                                      service_fee_rate=Decimal("0.001"))
    loan = await h.disbursed_loan(db, now, product=product, repayment_method=method,
                                  term_months=6)
    async with db.transaction(readonly=True) as session:
        row = await session.get(Loan, loan["loan_id"])
        fees = list(await session.scalars(select(Installment.fee_minor)
                                          .where(Installment.loan_id == row.id)))
    expected = 1_000 * (6 if method == "bullet" else 1)
    assert row.upfront_fee_minor == 0 and row.installment_fee_minor == expected
    assert fees == [expected] * (1 if method == "bullet" else 6)
    assert (await wallet_balance(db, loan["borrower_id"]))["balance_minor"] == 998_000
