from sqlalchemy import select

from finplat.demo import DemoContext
from finplat.identity import demo as identity_demo
from finplat.investment import demo as investment_demo
from finplat.investment.models import Order
from finplat.payment import demo as payment_demo
from finplat.product import demo as product_demo
from finplat.product.models import Product


async def test_demo_seeds_products_on_sale_and_orders(db, clock) -> None:
    ctx = DemoContext(db=db, clock=clock)
    for module in (identity_demo, payment_demo, product_demo, investment_demo):
        await module.seed(ctx)
    async with db.transaction(readonly=True) as session:
        products = list(await session.scalars(select(Product)))
        orders = list(await session.scalars(select(Order)))
    assert {p.status for p in products} == {"raising"}
    assert len({p.risk_level for p in products}) == len(product_demo.DEMO_PRODUCTS)
    assert len(orders) == 2 and {o.status for o in orders} == {"pending"}
    assert any("demo products" in note for note in ctx.notes)
