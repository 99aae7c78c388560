"""Applications: the credit decision, the policies that refuse (each naming its reason), what
is stored with a decision, and the review that opens a listing."""

import asyncio
import json
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from finplat.core.errors import Conflict, Forbidden, InvalidInput
from finplat.core.messages import language_var
from finplat.lending import application_views, applications, credit
from finplat.lending.models import Application, Loan
from finplat.lending.policy import LendingPolicy
from tests import factories
from tests.integration.lending import origination_helpers as h


async def test_good_borrower_waits_for_review_with_decision_stored(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now)
    borrower = await h.borrower(db, now)
    app = await applications.apply(db, user_id=borrower, institution_id=None,
                                   request=h.request(product["id"]), now=now)
    assert app["status"] == "pending_review" and app["refusal"] is None
    decision = app["credit"]
    assert decision["grade"] in ("A", "B") and decision["scorer"] == "scorecard"
    assert decision["model_version"] == "1.0.0"
    assert decision["limit_minor"] >= 1_000_000
    assert Decimal("0.06") <= Decimal(decision["annual_rate"]) <= Decimal("0.12")
    assert app["lpr_one_year"] == "0.030000"  # in force on 2026-03-02
    assert Decimal(app["apr"]) > Decimal(decision["annual_rate"])  # the fees count
    assert all(r["text"] for r in decision["reasons"])
    async with db.transaction(readonly=True) as session:
        raw = (await session.execute(text(
            "SELECT decision_inputs, declared FROM lending_application"))).one()
        stored = await session.scalar(select(Application))
    # Encrypted at rest; readable through the model.
    assert b"revolving_utilization" not in bytes(raw[0])
    assert b"monthly_income_minor" not in bytes(raw[1])
    assert "revolving_utilization" in json.loads(stored.decision_inputs)["inputs"]["features"]


async def test_reasons_follow_the_language(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now)
    borrower = await h.borrower(db, now, grades=("C", "D"))
    token = language_var.set("en")  # outside a request the default is Chinese
    try:
        app = await applications.apply(db, user_id=borrower, institution_id=None,
                                       request=h.request(product["id"], 100_000), now=now)
    finally:
        language_var.reset(token)
    codes = [r["code"] for r in app["credit"]["reasons"]]
    assert codes
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in app["credit"]["reasons"][0]["text"])
    token = language_var.set("zh")
    try:
        chinese = await application_views.one(db, application_id=app["id"], user_id=borrower)
    finally:
        language_var.reset(token)
    assert [r["code"] for r in chinese["credit"]["reasons"]] == codes
    assert chinese["credit"]["reasons"] != app["credit"]["reasons"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese["credit"]["reasons"][0]["text"])


async def test_grade_e_is_refused_and_stored(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now)
    borrower = await h.borrower(db, now, grades=("E",))
    app = await applications.apply(db, user_id=borrower, institution_id=None,
                                   request=h.request(product["id"]), now=now)
    assert app["status"] == "refused" and app["credit"]["grade"] == "E"
    assert app["refusal"]["code"] == "lending.grade_refused"
    assert app["credit"]["limit_minor"] == 0


async def test_amount_above_the_limit(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now)
    borrower = await h.borrower(db, now)
    app = await applications.apply(
        db, user_id=borrower, institution_id=None, now=now,
        request=h.request(product["id"], 5_000_000, monthly_income_minor=200_000))
    assert app["status"] == "refused"
    assert app["refusal"]["code"] == "lending.limit_exceeded"


async def test_outstanding_cap_counts_pending_and_listed(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now)
    borrower = await h.borrower(db, now, grades=("A",))
    first = await h.listing(db, now, amount_minor=12_000_000, product=product,
                            borrower_id=borrower)
    assert first["loan_id"]
    pending = await applications.apply(db, user_id=borrower, institution_id=None, now=now,
                                       request=h.request(product["id"], 7_000_000))
    assert pending["status"] == "pending_review"  # 120,000 + 70,000 <= 200,000
    over = await applications.apply(db, user_id=borrower, institution_id=None, now=now,
                                    request=h.request(product["id"], 1_100_000))
    assert over["status"] == "refused"
    assert over["refusal"]["code"] == "lending.cap_exceeded"


async def test_concurrent_applications_cannot_both_pass_the_cap(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now)
    borrower = await h.borrower(db, now, grades=("A",))
    results = await asyncio.gather(*[
        applications.apply(db, user_id=borrower, institution_id=None, now=now,
                           request=h.request(product["id"], 15_000_000))
        for _ in range(4)])
    statuses = sorted(r["status"] for r in results)
    assert statuses == ["pending_review", "refused", "refused", "refused"]
    assert {r["refusal"]["code"] for r in results if r["refusal"]} == {"lending.cap_exceeded"}


async def test_apr_above_four_times_lpr_is_refused(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now, min_annual_rate=Decimal("0.11"),
                                      service_fee_rate=Decimal("0.03"))
    borrower = await h.borrower(db, now)
    app = await applications.apply(db, user_id=borrower, institution_id=None, now=now,
                                   request=h.request(product["id"], term_months=6))
    assert app["status"] == "refused"
    assert app["refusal"]["code"] == "lending.apr_cap"
    assert Decimal(app["apr"]) > 4 * Decimal(app["lpr_one_year"])


async def test_terms_outside_the_product(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now, repayment_methods=["equal_installment"])
    borrower = await h.borrower(db, now)
    cases = [
        ({"amount_minor": 50_000}, "lending.amount_out_of_range"),
        ({"amount_minor": 30_000_000}, "lending.amount_out_of_range"),
        ({"term_months": 7}, "lending.term_not_offered"),
        ({"repayment_method": "bullet"}, "lending.method_not_offered"),
    ]
    for changes, code in cases:
        amount = changes.pop("amount_minor", 1_000_000)
        with pytest.raises(InvalidInput) as refused:
            await applications.apply(db, user_id=borrower, institution_id=None, now=now,
                                     request=h.request(product["id"], amount, **changes))
        assert refused.value.code == code
    async with db.transaction(readonly=True) as session:
        assert (await session.scalar(select(Application.id))) is None


async def test_rule_based_scorer_by_setting(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now)
    borrower = await h.borrower(db, now)
    app = await applications.apply(db, user_id=borrower, institution_id=None, now=now,
                                   request=h.request(product["id"]),
                                   policy=LendingPolicy(credit_scorer="rules"))
    assert app["credit"]["scorer"] == "rules"
    assert app["credit"]["model_version"] == credit.RULES_VERSION


async def test_company_applies_through_its_institution(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now, max_amount_minor=100_000_000)
    company = await factories.make_institution(db, now=now, name="示例科技有限公司",
                                               uscc=h.uscc())
    number = h.id_number_of_grade(("A", "B", "C", "D"), now.date())
    user = await factories.make_user(db, now=now, roles=("institution",),
                                     institution_id=company, id_number=number)
    app = await applications.apply(
        db, user_id=user, institution_id=company, now=now,
        request=h.request(product["id"], 30_000_000, borrower_kind="company",
                          monthly_income_minor=50_000_000))
    assert app["borrower_kind"] == "company" and app["institution_id"] == company
    assert app["credit"]["scorer"] == "rules"
    # 300,000.00 is above an individual's cap, not a company's.
    assert app["refusal"] is None or app["refusal"]["code"] != "lending.cap_exceeded"
    # A colleague of the applying company cannot review it.
    if app["status"] == "pending_review":
        colleague = await factories.make_user(db, now=now, roles=("institution",),
                                              institution_id=company)
        with pytest.raises(Forbidden) as refused:
            await applications.review(db, application_id=app["id"], reviewer_id=colleague,
                                      reviewer_institution_id=company, approve=True, note=None,
                                      now=now)
        assert refused.value.code == "lending.self_review"


async def test_approval_opens_the_listing_with_copied_terms(db, clock) -> None:
    now = clock.now()
    listed = await h.listing(db, now)
    async with db.transaction(readonly=True) as session:
        loan = await session.get(Loan, listed["loan_id"])
        app = await session.get(Application, listed["application_id"])
    assert loan.status == "listed" and app.status == "approved"
    assert loan.amount_minor == app.amount_minor and loan.annual_rate == app.annual_rate
    assert loan.apr == app.apr and loan.lpr_one_year == app.lpr_one_year
    assert loan.risk_level == {"A": "R2", "B": "R3"}[loan.grade]
    assert loan.upfront_fee_minor == 5_000 and loan.reserve_contribution_minor == 2_000
    assert (loan.funding_ends_at - loan.listed_at).days == 7
    with pytest.raises(Conflict) as twice:
        await applications.review(db, application_id=app.id, reviewer_id=app.reviewed_by_user_id,
                                  reviewer_institution_id=None, approve=True, note=None, now=now)
    assert twice.value.code == "lending.application_invalid_state"


async def test_applicant_cannot_review_and_rejection(db, clock) -> None:
    now = clock.now()
    product = await h.active_product(db, now)
    borrower = await h.borrower(db, now)
    app = await applications.apply(db, user_id=borrower, institution_id=None, now=now,
                                   request=h.request(product["id"]))
    with pytest.raises(Forbidden):
        await applications.review(db, application_id=app["id"], reviewer_id=borrower,
                                  reviewer_institution_id=None, approve=True, note=None, now=now)
    reviewer, _l, _p, _s = await factories.make_staff(db, now=now, role="reviewer")
    rejected = await applications.review(db, application_id=app["id"], reviewer_id=reviewer,
                                         reviewer_institution_id=None, approve=False,
                                         note="资料不全", now=now)
    assert rejected["status"] == "rejected" and rejected["loan_id"] is None
