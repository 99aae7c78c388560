"""The simulated credit bureau repeats itself and looks like the training population."""

from __future__ import annotations

from finplat.risk import bureau


def test_the_simulator_is_deterministic() -> None:
    first = bureau.simulate("110105198503140179")
    assert bureau.simulate("110105198503140179") == first
    assert bureau.simulate(" 110105198503140179 ") == first
    assert first == bureau.BureauReport(
        revolving_utilization=0.2986, past_due_30_59=0, past_due_60_89=0, past_due_90=1,
        open_credit_lines=5, real_estate_loans=1, source="simulator",
    )


async def test_the_simulated_bureau_is_a_credit_bureau() -> None:
    port: bureau.CreditBureau = bureau.SimulatedBureau()
    report = await port.report(id_number="110105198503140179")
    assert report == bureau.simulate("110105198503140179")


def test_the_simulated_population_is_plausible() -> None:
    reports = [bureau.simulate(f"4401{index:014d}") for index in range(2000)]
    never_late = sum(r.past_due_30_59 == 0 for r in reports) / len(reports)
    assert 0.75 < never_late < 0.95  # training data: 84 %
    assert 0.9 < sum(r.past_due_90 == 0 for r in reports) / len(reports) < 0.99
    assert all(0 <= r.revolving_utilization <= 1.6 for r in reports)
    assert all(r.real_estate_loans <= r.open_credit_lines for r in reports)
    assert 6 < sum(r.open_credit_lines for r in reports) / len(reports) < 11
