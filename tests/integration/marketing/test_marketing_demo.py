from finplat.demo import DemoContext
from finplat.identity import demo as identity_demo
from finplat.marketing import budget, campaigns
from finplat.marketing import demo as marketing_demo


async def test_demo_seeds_a_funded_campaign_with_offers(db, clock) -> None:
    ctx = DemoContext(db=db, clock=clock)
    await identity_demo.seed(ctx)
    await marketing_demo.seed(ctx)
    async with db.transaction(readonly=True) as session:
        [campaign] = await campaigns.list_campaigns(session, limit=10, before_id=None)
        offers = await campaigns.offers_of(session, campaign_ids=[campaign.id])
        figures = await budget.figures(session, campaign=campaign)
    assert campaign.red_packet_amount_minor == marketing_demo.RED_PACKET_MINOR
    assert figures.available_minor == marketing_demo.CAMPAIGN_BUDGET_MINOR
    assert len(offers[campaign.id]) == len(marketing_demo._OFFERS)
    assert any("red packet" in note for note in ctx.notes)
