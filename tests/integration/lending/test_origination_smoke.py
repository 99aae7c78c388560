from tests.integration.lending import origination_helpers as h


async def test_disbursed_loan(db, clock) -> None:
    loan = await h.disbursed_loan(db, clock.now())
    assert loan["loan_id"]
