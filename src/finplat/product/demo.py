"""Demo products: three products of the demo institution, reviewed and on sale."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from finplat.identity import queries as identity_queries
from finplat.product import domain
from finplat.product import service as product_service

if TYPE_CHECKING:
    from finplat.demo import DemoContext

# (name, type, risk level, annual rate, term days, minimum fen, target fen, cap fen)
DEMO_PRODUCTS = (
    ("安心7天", "fixed_income", "R1", "0.0210", 7, 100_000, 10_000_000, 50_000_000),
    ("稳健90天", "fixed_income", "R2", "0.0350", 90, 100_000, 20_000_000, 100_000_000),
    ("进取180天", "mixed", "R4", "0.0550", 180, 500_000, 20_000_000, 80_000_000),
)
RAISE_DAYS = 7


def _login(ctx: DemoContext, role: str) -> int | None:
    return next(
        (
            int(info["user_id"])
            for info in ctx.logins.values()
            if info.get("role") == role and info.get("user_id") is not None
        ),
        None,
    )


async def seed(ctx: DemoContext) -> None:
    author_id, reviewer_id = _login(ctx, "institution"), _login(ctx, "reviewer")
    if author_id is None or reviewer_id is None:
        return
    now = ctx.clock.now()
    async with ctx.db.transaction(readonly=True) as session:
        institution_id = (
            await identity_queries.user_summary(session, author_id, now=now)
        ).institution_id
    if institution_id is None:
        return
    for name, kind, risk, rate, term, minimum, target, cap in DEMO_PRODUCTS:
        terms = domain.Terms(
            product_type=kind,
            risk_level=risk,
            annual_rate=Decimal(rate),
            term_days=term,
            min_amount_minor=minimum,
            step_amount_minor=10_000,
            max_per_investor_minor=cap // 5,
            raise_target_minor=target,
            raise_cap_minor=cap,
            raise_start_at=now,
            raise_end_at=now + timedelta(days=RAISE_DAYS),
            yield_start_rule="day_after_raise_end",
            qualified_only=False,
        )
        draft = product_service.Draft(
            name=name,
            terms=terms,
            disclosure=f"{name}产品说明书：投资于银行存款、债券等固定收益类资产；期限{term}天，"
            f"业绩比较基准{Decimal(rate) * 100}%/年，不构成收益承诺。",
            risk_disclosure=f"{name}风险揭示书：本产品风险等级{risk}，本金可能遭受损失，"
            "过往业绩不代表未来表现。",
        )
        product = await product_service.create(
            ctx.db, author_id=author_id, institution_id=institution_id, draft=draft, now=now
        )
        await product_service.submit(
            ctx.db,
            product_id=product.id,
            author_id=author_id,
            institution_id=institution_id,
            now=now,
        )
        await product_service.review(
            ctx.db,
            product_id=product.id,
            reviewer_id=reviewer_id,
            approve=True,
            note="demo",
            now=now,
        )
        await product_service.publish(ctx.db, product_id=product.id, actor_id=reviewer_id, now=now)
    ctx.notes.append(
        f"{len(DEMO_PRODUCTS)} demo products are raising for {RAISE_DAYS} days (R1, R2, R4)."
    )
