"""A disbursed loan without the origination path: the rows and the ledger state a
disbursement leaves (investors' money moved to the borrower's wallet net of the upfront fee and
the reserve contribution, one claim per investor, the installments of ``build_schedule``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.money import Money
from finplat.ledger import service as ledger_service
from finplat.lending import pro_rata
from finplat.lending.models import (
    BUCKET_CURRENT,
    HOLDER_INVESTOR,
    INSTALLMENT_SCHEDULED,
    LOAN_DISBURSED,
    Application,
    Claim,
    Installment,
    Loan,
    LoanProduct,
)
from finplat.lending.schedule import build_schedule
from tests import factories
from tests.integration.investment.helpers import deposit

_sources = itertools.count(1)


@dataclass
class LoanCase:
    loan_id: int
    borrower_id: int
    investor_ids: list[int]
    installments: list[Any]


async def _product(session: AsyncSession, now: datetime, **terms: Any) -> int:
    result = await session.execute(insert(LoanProduct).values(
        institution_id=1, created_by_user_id=1, name="消费贷", borrower_kind="both",
        currency="CNY", min_amount_minor=100_000, max_amount_minor=20_000_000,
        term_months=[3, 6, 12], min_annual_rate="0.060000", max_annual_rate="0.150000",
        repayment_methods=["equal_installment", "equal_principal", "interest_first", "bullet"],
        service_fee_kind=terms["fee_kind"], service_fee_rate="0.001000",
        penalty_daily_rate=terms["penalty_daily_rate"], grace_days=terms["grace_days"],
        reserve_rate="0.010000", funding_window_days=7, status="active", version=1,
        created_at=now, updated_at=now))
    return int(result.inserted_primary_key[0])


async def disbursed_loan(
    db: Database, *, now: datetime, start_date: date, borrower_id: int | None = None,
    investor_amounts: tuple[int, ...] = (600_000, 400_000), annual_rate: str = "0.120000",
    term_months: int = 3, method: str = "equal_installment", installment_fee_minor: int = 100,
    upfront_fee_minor: int = 0, reserve_minor: int = 10_000, grace_days: int = 3,
    penalty_daily_rate: str = "0.000500", lpr_one_year: str = "0.030000",
) -> LoanCase:
    """Borrower and investors (made unless given) and the loan, disbursed on ``start_date``."""
    if borrower_id is None:
        borrower_id = await factories.make_user(db, now=now, roles=("borrower",))
    investor_ids = []
    for amount in investor_amounts:
        investor = await factories.make_user(db, now=now)
        await deposit(db, user_id=investor, amount_minor=amount, now=now)
        investor_ids.append(investor)
    principal = sum(investor_amounts)
    plan = build_schedule(principal_minor=principal, annual_rate=Decimal(annual_rate),
                          term_months=term_months, method=method, start_date=start_date)

    async def work(session: AsyncSession) -> int:
        product_id = await _product(
            session, now, fee_kind="per_installment" if installment_fee_minor else "upfront",
            penalty_daily_rate=penalty_daily_rate, grace_days=grace_days)
        application = await session.execute(insert(Application).values(
            user_id=borrower_id, borrower_kind="individual", institution_id=None,
            product_id=product_id, amount_minor=principal, currency="CNY",
            term_months=term_months, repayment_method=method, purpose="装修",
            declared="{}", status="approved", scorer="rules", model_version="1", score=700,
            decision_inputs="{}", grade="B", limit_minor=principal, annual_rate=annual_rate,
            reasons=[], refusal_code=None, apr=annual_rate, lpr_one_year=lpr_one_year,
            created_at=now, updated_at=now))
        loan = await session.execute(insert(Loan).values(
            application_id=int(application.inserted_primary_key[0]), product_id=product_id,
            borrower_user_id=borrower_id, borrower_kind="individual", institution_id=1,
            amount_minor=principal, currency="CNY", term_months=term_months,
            repayment_method=method, annual_rate=annual_rate, grade="B", risk_level="R3",
            purpose="装修", service_fee_kind="per_installment", upfront_fee_minor=upfront_fee_minor,
            installment_fee_minor=installment_fee_minor, reserve_contribution_minor=reserve_minor,
            penalty_daily_rate=penalty_daily_rate, grace_days=grace_days, apr=annual_rate,
            lpr_one_year=lpr_one_year, status=LOAN_DISBURSED, listed_at=now, funding_ends_at=now,
            funded_minor=principal, bid_count=len(investor_amounts), disbursed_at=now,
            start_date=start_date, principal_outstanding_minor=principal, bucket=BUCKET_CURRENT,
            days_past_due=0, version=1, created_at=now, updated_at=now))
        loan_id = int(loan.inserted_primary_key[0])
        wallets = await ledger_service.wallets_of(session, investor_ids)
        await session.execute(insert(Claim), [
            {"loan_id": loan_id, "holder_kind": HOLDER_INVESTOR, "user_id": investor,
             "principal_minor": amount, "account_id": wallets[investor],
             "transferred_at": None, "created_at": now, "updated_at": now}
            for investor, amount in zip(investor_ids, investor_amounts, strict=True)])
        await session.execute(insert(Installment), [
            {"loan_id": loan_id, "number": row.number, "due_date": row.due_date,
             "principal_minor": row.principal_minor, "interest_minor": row.interest_minor,
             "fee_minor": installment_fee_minor, "penalty_minor": 0, "paid_principal_minor": 0,
             "paid_interest_minor": 0, "paid_fee_minor": 0, "paid_penalty_minor": 0,
             "status": INSTALLMENT_SCHEDULED, "penalty_accrued_through": None,
             "compensated_at": None, "paid_at": None, "version": 1, "updated_at": now}
            for row in plan.installments])
        await _disburse_ledger(session, loan_id, borrower_id, investor_ids, investor_amounts,
                               upfront_fee_minor, reserve_minor, now)
        return loan_id

    loan_id = await db.run(work)
    return LoanCase(loan_id, borrower_id, investor_ids, await installments_of(db, loan_id))


async def _disburse_ledger(session: AsyncSession, loan_id: int, borrower_id: int,
                           investor_ids: list[int], amounts: tuple[int, ...], fee: int,
                           reserve: int, now: datetime) -> None:
    pool = await ledger_service.account_for(session, kind="loans_held",
                                            reference=f"loan:{loan_id}", now=now)
    wallets = await ledger_service.wallets_of(session, investor_ids)
    for investor, amount in zip(investor_ids, amounts, strict=True):
        await ledger_service.transfer(
            session, source_type="test_bid", source_id=f"{loan_id}:{investor}", code="loan_bid",
            now=now, debit_account_id=wallets[investor], credit_account_id=pool,
            amount=Money(amount))
    borrower = await ledger_service.wallet_of(session, borrower_id)
    assert borrower is not None
    credits = [(borrower, Money(sum(amounts) - fee - reserve))]
    if fee:
        credits.append((await ledger_service.platform_account(
            session, kind="fee_revenue", now=now), Money(fee)))
    if reserve:
        credits.append((await ledger_service.platform_account(
            session, kind="risk_reserve", now=now), Money(reserve)))
    await ledger_service.transfer_to_many(
        session, source_type="test_disbursement", source_id=str(loan_id),
        code="loan_disbursement", debit_account_id=pool, credits=credits, now=now)


async def installments_of(db: Database, loan_id: int) -> list[Any]:
    async def read(session: AsyncSession) -> list[Any]:
        return list((await session.scalars(select(Installment).where(
            Installment.loan_id == loan_id).order_by(Installment.number))).all())

    return await db.run(read, readonly=True)


async def loan_of(db: Database, loan_id: int) -> Any:
    async def read(session: AsyncSession) -> Any:
        return await session.get(Loan, loan_id)

    return await db.run(read, readonly=True)


@dataclass
class ClaimFigures:
    """A claim and what it received (``pro_rata.received``, as every reader sums it)."""

    id: int
    holder_kind: str
    user_id: int | None
    principal_minor: int
    account_id: int
    transferred_at: datetime | None
    received_principal_minor: int
    received_interest_minor: int
    received_penalty_minor: int


async def claims_of(db: Database, loan_id: int) -> list[ClaimFigures]:
    async def read(session: AsyncSession) -> list[ClaimFigures]:
        rows = list((await session.scalars(select(Claim).where(
            Claim.loan_id == loan_id).order_by(Claim.id))).all())
        received = await pro_rata.received(session, [row.id for row in rows])
        return [ClaimFigures(row.id, row.holder_kind, row.user_id, row.principal_minor,
                             row.account_id, row.transferred_at, *received[row.id])
                for row in rows]

    return await db.run(read, readonly=True)


async def available(db: Database, user_id: int) -> int:
    async def read(session: AsyncSession) -> int:
        wallet = await ledger_service.wallet_of(session, user_id)
        assert wallet is not None
        return (await ledger_service.balance(session, account_id=wallet)).available.amount_minor

    return await db.run(read, readonly=True)


async def reserve_balance(db: Database, *, now: datetime) -> int:
    async def read(session: AsyncSession) -> int:
        account = await ledger_service.platform_account(session, kind="risk_reserve", now=now)
        return (await ledger_service.balance(session, account_id=account)).balance.amount_minor

    return await db.run(read)


async def fund_reserve(db: Database, *, amount_minor: int, now: datetime) -> None:
    async def work(session: AsyncSession) -> None:
        cash = await ledger_service.platform_account(session, kind="custody_cash", now=now)
        account = await ledger_service.platform_account(session, kind="risk_reserve", now=now)
        await ledger_service.transfer(
            session, source_type="test_reserve", source_id=str(next(_sources)),
            code="reserve_funding", now=now, debit_account_id=cash, credit_account_id=account,
            amount=Money(amount_minor))

    await db.run(work)
