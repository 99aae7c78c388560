"""Pure origination rules: the rule-based scorer, reason wording, scorer choice, fees, the
dated caps and the bid amount rules."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finplat.core.errors import Conflict, InvalidInput
from finplat.lending import apr, credit, policy, pricing
from finplat.lending.bids import check_amount
from finplat.lending.policy import LendingPolicy
from finplat.risk.bureau import BureauReport

CLEAN = BureauReport(revolving_utilization=0.1, past_due_30_59=0, past_due_60_89=0,
                     past_due_90=0, open_credit_lines=6, real_estate_loans=1, source="test")
REQUEST = credit.CreditRequest(
    borrower_kind="individual", id_number="110101198506150011", today=date(2026, 3, 2),
    monthly_income_minor=2_000_000, dependants=1, monthly_debt_payments_minor=200_000,
    bureau=CLEAN, history=credit.PlatformHistory(), cap_minor=20_000_000)


def test_rules_clean_borrower_is_a() -> None:
    decision = credit.RuleScorer().decide(REQUEST)
    assert decision.score == 640 and decision.grade == "B"
    assert decision.limit_minor == 16_000_000 and decision.annual_rate == Decimal("0.084")
    assert decision.reasons == () and decision.rate_tier == "T2"
    history = replace(REQUEST, history=credit.PlatformHistory(loans=3, paid_off=3))
    assert credit.RuleScorer().decide(history).grade == "A"


def test_rules_late_payer_is_refused_with_reasons() -> None:
    late = replace(CLEAN, past_due_90=1, past_due_60_89=2, revolving_utilization=0.95)
    decision = credit.RuleScorer().decide(replace(REQUEST, bureau=late,
                                                  monthly_debt_payments_minor=1_500_000))
    assert decision.grade == "E" and decision.limit_minor == 0 and decision.annual_rate is None
    assert decision.reasons == ("rules.bureau_90_days_late", "rules.very_high_debt_ratio",
                                "rules.bureau_60_days_late")


def test_limit_never_above_the_cap() -> None:
    rich = replace(REQUEST, monthly_income_minor=10_000_000)
    assert credit.RuleScorer().decide(rich).limit_minor == 20_000_000


def test_reason_words_in_both_languages() -> None:
    assert credit.reason_text("rules.no_income", "zh") == "未申报月收入"
    assert credit.reason_text("rules.no_income", "en") == "No monthly income was declared"
    assert credit.reason_text("revolving_utilization", "en").startswith("You use")
    assert credit.reason_text("monthly_income.missing", "zh").startswith("缺少")
    assert credit.reason_text("unknown.code", "zh") == "unknown.code"


def test_scorer_choice() -> None:
    assert credit.scorer_for("scorecard", "individual").name == "scorecard"
    assert credit.scorer_for("rules", "individual").name == "rules"
    assert credit.scorer_for("scorecard", "company").name == "rules"


def test_fees() -> None:
    assert pricing.fees(principal_minor=1_000_000, term_months=12, method="equal_installment",
                        fee_kind="upfront", fee_rate=Decimal("0.005"),
                        reserve_rate=Decimal("0.002")) == (5_000, 0, 2_000)
    assert pricing.fees(principal_minor=1_000_000, term_months=6, method="bullet",
                        fee_kind="per_installment", fee_rate=Decimal("0.001"),
                        reserve_rate=Decimal(0)) == (0, 6_000, 0)


def test_dated_caps() -> None:
    assert policy.outstanding_cap_on(date(2026, 3, 2), "individual") == 20_000_000
    assert policy.outstanding_cap_on(date(2026, 3, 2), "company") == 100_000_000


def test_bid_amounts() -> None:
    rules = LendingPolicy(min_bid_minor=10_000, bid_step_minor=100)
    check_amount(amount_minor=10_000, remaining_minor=50_000, policy=rules)
    check_amount(amount_minor=3_333, remaining_minor=3_333, policy=rules)  # the last fen
    with pytest.raises(InvalidInput):
        check_amount(amount_minor=9_900, remaining_minor=50_000, policy=rules)
    with pytest.raises(InvalidInput):
        check_amount(amount_minor=10_050, remaining_minor=50_000, policy=rules)
    with pytest.raises(Conflict):
        check_amount(amount_minor=60_000, remaining_minor=50_000, policy=rules)


@given(principal=st.integers(min_value=100_000, max_value=20_000_000),
       term=st.sampled_from([3, 6, 12, 24, 36]),
       method=st.sampled_from(["equal_installment", "equal_principal", "interest_first",
                               "bullet"]),
       rate=st.decimals(min_value=Decimal("0.04"), max_value=Decimal("0.12"), places=4),
       fee=st.decimals(min_value=Decimal(0), max_value=Decimal("0.03"), places=4))
def test_a_priced_loan_is_refused_exactly_when_above_the_cap(principal: int, term: int,
                                                            method: str, rate: Decimal,
                                                            fee: Decimal) -> None:
    price = pricing.price(principal_minor=principal, term_months=term, method=method,
                          annual_rate=rate, fee_kind="upfront", fee_rate=fee,
                          reserve_rate=Decimal("0.002"), contract_date=date(2026, 3, 2))
    assert price.net_disbursement_minor > 0 and price.apr >= 0
    assert sum(i.principal_minor for i in price.schedule.installments) == principal
    cap = 4 * price.lpr_one_year
    if price.apr.quantize(Decimal("1e-6")) > cap:
        with pytest.raises(Conflict):
            apr.check_apr_cap(price.apr, price.lpr_one_year)
    else:
        apr.check_apr_cap(price.apr, price.lpr_one_year)
