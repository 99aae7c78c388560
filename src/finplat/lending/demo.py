"""Demo lending: an active loan product of the demo institution, reviewed by the demo reviewer,
and the demo borrower's application, decided and approved, as a listing open for bids."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from finplat.identity import queries as identity_queries
from finplat.lending import applications, products
from finplat.lending.applications import ApplicationRequest
from finplat.lending.products import ProductTerms

if TYPE_CHECKING:
    from finplat.demo import DemoContext

DEMO_PRODUCT = ProductTerms(
    name="安心消费贷",
    borrower_kind="both",
    min_amount_minor=100_000,
    max_amount_minor=20_000_000,
    term_months=[3, 6, 12, 24],
    min_annual_rate=Decimal("0.06"),
    max_annual_rate=Decimal("0.115"),
    repayment_methods=["equal_installment", "equal_principal", "interest_first", "bullet"],
    service_fee_kind="upfront",
    service_fee_rate=Decimal("0.005"),
    penalty_daily_rate=Decimal("0.0003"),
    grace_days=3,
    reserve_rate=Decimal("0.002"),
    funding_window_days=7,
)


def _login(ctx: DemoContext, role: str) -> int | None:
    return next((int(info["user_id"]) for info in ctx.logins.values()
                 if info.get("role") == role and info.get("user_id") is not None), None)


async def seed(ctx: DemoContext) -> None:
    author_id, reviewer_id = _login(ctx, "institution"), _login(ctx, "reviewer")
    borrower_id = _login(ctx, "borrower")
    if author_id is None or reviewer_id is None:
        return
    now = ctx.clock.now()
    async with ctx.db.transaction(readonly=True) as session:
        institution_id = (await identity_queries.user_summary(session, author_id,
                                                              now=now)).institution_id
    if institution_id is None:
        return
    draft = await products.create(ctx.db, author_id=author_id, institution_id=institution_id,
                                  terms=DEMO_PRODUCT, currency="CNY", now=now)
    await products.act_as_owner(ctx.db, product_id=draft["id"], institution_id=institution_id,
                                actor_id=author_id, action="submit", now=now)
    await products.review(ctx.db, product_id=draft["id"], reviewer_id=reviewer_id,
                          reviewer_institution_id=None, approve=True, note=None, now=now)
    if borrower_id is None:
        return
    applied = await applications.apply(
        ctx.db, user_id=borrower_id, institution_id=None, now=now,
        request=ApplicationRequest(
            product_id=draft["id"], borrower_kind="individual", amount_minor=2_000_000,
            term_months=12, repayment_method="equal_installment", purpose="家庭装修",
            monthly_income_minor=2_500_000, dependants=1, monthly_debt_payments_minor=200_000,
            employment="employed"))
    if applied["status"] != "pending_review":
        ctx.notes.append(f"demo loan application refused: {applied['refusal']['code']}")
        return
    await applications.review(ctx.db, application_id=applied["id"], reviewer_id=reviewer_id,
                              reviewer_institution_id=None, approve=True, note=None, now=now)
