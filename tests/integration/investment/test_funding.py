"""The institution's settlement account: funding from and withdrawing to the user's wallet."""

from tests import factories
from tests.integration.investment.helpers import deposit, investor, wallet_balance

LONG_KEY = "k" * 64


async def test_funding_and_withdrawing(app, client, db, clock, desk) -> None:
    await deposit(db, user_id=desk.institution_user_id, amount_minor=500_000, now=clock.now())
    url = "/api/v1/institution/settlement"

    def headers(key: str) -> dict[str, str]:
        return {**desk.institution, "Idempotency-Key": key}

    funded = await client.post(
        f"{url}/fundings", headers=headers(LONG_KEY), json={"amount_minor": 300_000}
    )
    assert funded.status_code == 201, funded.text
    assert funded.json()["settlement"]["balance_minor"] == 300_000
    replay = await client.post(
        f"{url}/fundings", headers=headers(LONG_KEY), json={"amount_minor": 300_000}
    )
    assert replay.json() == funded.json()
    reused = await client.post(
        f"{url}/fundings", headers=headers(LONG_KEY), json={"amount_minor": 1}
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency.key_reused"
    too_much = await client.post(
        f"{url}/fundings", headers=headers("f2"), json={"amount_minor": 300_000}
    )
    assert too_much.status_code == 409 and too_much.json()["code"] == "ledger.insufficient_funds"

    over = await client.post(
        f"{url}/withdrawals", headers=headers("w1"), json={"amount_minor": 300_001}
    )
    assert over.status_code == 409 and over.json()["code"] == "ledger.insufficient_funds"
    assert (await client.get(url, headers=desk.institution)).json()["balance_minor"] == 300_000
    back = await client.post(
        f"{url}/withdrawals", headers=headers("w2"), json={"amount_minor": 100_000}
    )
    assert back.status_code == 201, back.text
    assert back.json()["settlement"]["balance_minor"] == 200_000
    assert (await wallet_balance(db, desk.institution_user_id))["balance_minor"] == 300_000

    investor_headers = factories.bearer_for(app, await investor(db, now=clock.now()))
    refused = await client.post(
        f"{url}/fundings",
        json={"amount_minor": 1},
        headers={**investor_headers, "Idempotency-Key": "x"},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "product.institution_required"
