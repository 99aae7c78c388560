from sqlalchemy import select

from finplat.demo import DemoContext
from finplat.identity import demo as identity_demo
from finplat.lending import demo as lending_demo
from finplat.lending.models import Application, Loan, LoanProduct
from finplat.payment import demo as payment_demo
from tests import factories


async def test_demo_seeds_an_active_product_and_a_listing(db, clock) -> None:
    ctx = DemoContext(db=db, clock=clock)
    for module in (identity_demo, payment_demo):
        await module.seed(ctx)
    await factories.deliver_events(db, now=clock.now())
    await lending_demo.seed(ctx)
    async with db.transaction(readonly=True) as session:
        products = list(await session.scalars(select(LoanProduct)))
        loans = list(await session.scalars(select(Loan)))
        application = await session.scalar(select(Application))
    assert [p.status for p in products] == ["active"]
    assert application is not None and application.status == "approved", ctx.notes
    assert [loan.status for loan in loans] == ["listed"]
