"""Demo investing: demo investors take the risk test and buy into the demo products."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import DomainError
from finplat.investment import orders, questionnaire, suitability
from finplat.ledger import service as ledger_service
from finplat.product import queries as product_queries
from finplat.product import service as product_service

if TYPE_CHECKING:
    from finplat.demo import DemoContext

# Option index chosen for every question: 2 grades C3 (score 45), 3 grades C4 (score 68).
DEMO_PROFILES = ((2, "C3"), (3, "C4"))
ORDER_MINOR = 5_000_000  # ¥50,000


def _answers(pick: int) -> dict[str, str]:
    q = questionnaire.current()
    return {
        question.id: question.options[min(pick, len(question.options) - 1)].id
        for question in q.questions
    }


async def _catalogue(ctx: DemoContext) -> list[tuple[int, str, int]]:
    """(product id, risk level, risk disclosure version) of the products on sale."""
    async with ctx.db.transaction(readonly=True) as session:
        rows, _ = await product_queries.list_products(
            session,
            statuses=frozenset({product_service.RAISING}),
            risk_level=None,
            product_type=None,
            institution_id=None,
            sort="risk_level",
            limit=20,
            cursor=None,
        )
        found = []
        for row in rows:
            disclosure = await product_service.latest_disclosure(
                session, product_id=row.id, kind=product_service.RISK_DISCLOSURE
            )
            found.append((row.id, row.risk_level, disclosure.version if disclosure else 1))
    return found


async def _available(ctx: DemoContext, user_id: int) -> int:
    async def read(session: AsyncSession) -> int:
        wallet = await ledger_service.wallet_of(session, user_id)
        if wallet is None:
            return 0
        return (await ledger_service.balance(session, account_id=wallet)).available.amount_minor

    async with ctx.db.transaction(readonly=True) as session:
        return await read(session)


async def seed(ctx: DemoContext) -> None:
    investors = [
        int(info["user_id"])
        for info in ctx.logins.values()
        if info.get("role") == "investor" and info.get("user_id") is not None
    ]
    catalogue = await _catalogue(ctx)
    placed = 0
    for user_id, (pick, level) in zip(investors, DEMO_PROFILES, strict=False):
        now = ctx.clock.now()
        await suitability.assess(
            ctx.db,
            user_id=user_id,
            version=questionnaire.CURRENT_VERSION,
            answers=_answers(pick),
            now=now,
        )
        # Each buys the riskiest product that matches their level.
        matching = [p for p in catalogue if int(p[1][1:]) <= int(level[1:])]
        if not matching or await _available(ctx, user_id) < ORDER_MINOR:
            continue
        product_id, _, disclosure_version = matching[-1]
        try:
            await orders.place_order(
                ctx.db,
                user_id=user_id,
                product_id=product_id,
                amount_minor=ORDER_MINOR,
                disclosure_version=disclosure_version,
                coupon_id=None,
                acknowledge_risk_mismatch=False,
                risk_warning_version=None,
                idempotency_key=f"demo-order-{user_id}-{product_id}",
                now=now,
            )
        except DomainError:
            continue
        placed += 1
    if placed:
        ctx.notes.append(f"{placed} demo investors hold orders in raising products.")
