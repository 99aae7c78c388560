"""Helpers for lending tests: an active loan product, borrowers of a chosen credit grade, a
listing, and a fully funded (disbursed) loan, all through the package's use cases."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from finplat.core.clock import business_date
from finplat.core.db import Database
from finplat.lending import applications, bids, credit, products
from finplat.lending.applications import ApplicationRequest
from finplat.lending.products import ProductTerms
from finplat.risk.bureau import simulate
from tests import factories
from tests.integration.investment.helpers import investor

INCOME_MINOR = 2_000_000  # 20,000.00 a month
_uscc = itertools.count(1)
_keys = itertools.count(1)


def terms(**changes: Any) -> ProductTerms:
    values: dict[str, Any] = {
        "name": "消费贷 12 期",
        "borrower_kind": "both",
        "min_amount_minor": 100_000,
        "max_amount_minor": 20_000_000,
        "term_months": [3, 6, 12, 24],
        "min_annual_rate": Decimal("0.06"),
        "max_annual_rate": Decimal("0.12"),
        "repayment_methods": ["equal_installment", "equal_principal", "interest_first",
                              "bullet"],
        "service_fee_kind": "upfront",
        "service_fee_rate": Decimal("0.005"),
        "penalty_daily_rate": Decimal("0.0003"),
        "grace_days": 3,
        "reserve_rate": Decimal("0.002"),
        "funding_window_days": 7,
    }
    values.update(changes)
    return ProductTerms(**values)


def uscc() -> str:
    """A made-up USCC, unique per call (institutions need distinct ones)."""
    return f"91350100M{next(_uscc):07d}X"[:18].ljust(18, "0")


@dataclass
class Desk:
    institution_id: int
    author_id: int
    reviewer_id: int


async def desk(db: Database, now: datetime) -> Desk:
    institution_id = await factories.make_institution(db, now=now, uscc=uscc())
    author_id = await factories.make_user(db, now=now, roles=("institution",),
                                          institution_id=institution_id)
    reviewer_id, _login, _password, _secret = await factories.make_staff(db, now=now,
                                                                        role="reviewer")
    return Desk(institution_id, author_id, reviewer_id)


async def active_product(db: Database, now: datetime, desk_: Desk | None = None,
                         **changes: Any) -> dict[str, Any]:
    d = desk_ or await desk(db, now)
    draft = await products.create(db, author_id=d.author_id, institution_id=d.institution_id,
                                  terms=terms(**changes), currency="CNY", now=now)
    await products.act_as_owner(db, product_id=draft["id"], institution_id=d.institution_id,
                                actor_id=d.author_id, action="submit", now=now)
    return await products.review(db, product_id=draft["id"], reviewer_id=d.reviewer_id,
                                 reviewer_institution_id=None, approve=True, note=None, now=now)


def id_number_of_grade(grades: tuple[str, ...], today: date,
                       income_minor: int | None = INCOME_MINOR) -> str:
    """A made-up ID number whose simulated bureau report scores into one of ``grades`` with
    the scorecard (and the standard declared figures)."""
    scorer = credit.ScorecardScorer()
    for _ in range(2_000):
        number = factories.unique_id_number()
        decision = scorer.decide(credit.CreditRequest(
            borrower_kind="individual", id_number=number, today=today,
            monthly_income_minor=income_minor, dependants=1, monthly_debt_payments_minor=0,
            bureau=simulate(number), history=credit.PlatformHistory(), cap_minor=20_000_000))
        if decision.grade in grades:
            return number
    raise AssertionError(f"no ID number of grade {grades}")


async def borrower(db: Database, now: datetime, grades: tuple[str, ...] = ("A", "B"),
                   **user: Any) -> int:
    number = id_number_of_grade(grades, business_date(now))
    return await factories.make_user(db, now=now, roles=("borrower",), id_number=number,
                                     real_name="李四", **user)


def request(product_id: int, amount_minor: int = 1_000_000, **changes: Any) -> ApplicationRequest:
    values: dict[str, Any] = {
        "product_id": product_id, "borrower_kind": "individual", "amount_minor": amount_minor,
        "term_months": 12, "repayment_method": "equal_installment", "purpose": "装修",
        "monthly_income_minor": INCOME_MINOR, "dependants": 1,
        "monthly_debt_payments_minor": 0, "employment": "employed",
    }
    values.update(changes)
    return ApplicationRequest(**values)


async def listing(db: Database, now: datetime, *, amount_minor: int = 1_000_000,
                  product: dict[str, Any] | None = None, borrower_id: int | None = None,
                  **changes: Any) -> dict[str, Any]:
    """An approved application's listing: ``{"loan_id", "borrower_id", "product", ...}``."""
    product = product or await active_product(db, now)
    borrower_id = borrower_id or await borrower(db, now)
    applied = await applications.apply(db, user_id=borrower_id, institution_id=None,
                                       request=request(product["id"], amount_minor, **changes),
                                       now=now)
    assert applied["status"] == "pending_review", applied
    reviewer_id, _l, _p, _s = await factories.make_staff(db, now=now, role="reviewer")
    approved = await applications.review(db, application_id=applied["id"],
                                         reviewer_id=reviewer_id, reviewer_institution_id=None,
                                         approve=True, note=None, now=now)
    return {"loan_id": approved["loan_id"], "borrower_id": borrower_id, "product": product,
            "application_id": applied["id"]}


async def bid(db: Database, now: datetime, *, loan_id: int, user_id: int, amount_minor: int,
              acknowledge: bool = True) -> dict[str, Any]:
    outcome = await bids.place_bid(db, user_id=user_id, loan_id=loan_id,
                                   amount_minor=amount_minor,
                                   acknowledge_risk_mismatch=acknowledge,
                                   idempotency_key=f"bid-{next(_keys)}", now=now)
    return dict(outcome.body)


async def disbursed_loan(db: Database, now: datetime, *, amount_minor: int = 1_000_000,
                         investors: int = 2, **changes: Any) -> dict[str, Any]:
    """A listing funded by ``investors`` investors (equal shares, the first taking the
    rounding) and so disbursed: ``{"loan_id", "borrower_id", "investor_ids", ...}``."""
    listed = await listing(db, now, amount_minor=amount_minor, **changes)
    ids = [await investor(db, now=now, level="C4", balance_minor=amount_minor)
           for _ in range(investors)]
    share = amount_minor // investors
    amounts = [amount_minor - share * (investors - 1)] + [share] * (investors - 1)
    for user_id, amount in zip(ids, amounts, strict=True):
        body = await bid(db, now, loan_id=listed["loan_id"], user_id=user_id,
                         amount_minor=amount)
    assert body["disbursed"] is True
    return {**listed, "investor_ids": ids}


async def investor_for(db: Database, now: datetime, balance_minor: int = 10_000_000) -> int:
    """An investor whose level (C4) matches every listing up to R4."""
    return await investor(db, now=now, level="C4", balance_minor=balance_minor)
