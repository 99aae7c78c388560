"""Property tests of the ledger's pure arithmetic: balance checks, deltas, balance_after."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finplat.core.money import Money
from finplat.ledger.exceptions import InvalidPostings, Unbalanced
from finplat.ledger.posting import (
    CREDIT,
    DEBIT,
    AccountState,
    Delta,
    EntrySpec,
    Leg,
    check_legs,
    deltas_of,
    posting_rows,
    within_limits,
)

ACCOUNTS = (1, 2, 3, 4)
amounts = st.integers(min_value=1, max_value=10**12)


@st.composite
def balanced_legs(draw):
    """Random debits, and credits that split the same total (so the entry balances)."""
    debits = draw(st.lists(st.tuples(st.sampled_from(ACCOUNTS), amounts), min_size=1, max_size=6))
    total = sum(amount for _, amount in debits)
    cuts = sorted(draw(st.lists(st.integers(min_value=1, max_value=max(total - 1, 1)),
                                max_size=min(total - 1, 5), unique=True)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    credits = [(draw(st.sampled_from(ACCOUNTS)), part) for part in parts if part > 0]
    legs = [Leg(a, DEBIT, Money(m)) for a, m in debits] + [Leg(a, CREDIT, Money(m))
                                                          for a, m in credits]
    return draw(st.permutations(legs)) if len(legs) >= 2 else legs + [
        Leg(ACCOUNTS[0], DEBIT, Money(1)), Leg(ACCOUNTS[1], CREDIT, Money(1))]


@given(balanced_legs())
def test_balanced_entries_pass_and_net_to_zero(legs):
    assert check_legs(legs) == "CNY"
    deltas = deltas_of(EntrySpec("t", "1", "c", "transfer", legs))
    assert sum(d.debits_posted for d in deltas.values()) == sum(
        d.credits_posted for d in deltas.values())


@given(balanced_legs(), st.integers(min_value=1, max_value=10**6), st.sampled_from(ACCOUNTS))
def test_any_imbalance_is_refused(legs, extra, account):
    with pytest.raises(Unbalanced):
        check_legs([*legs, Leg(account, DEBIT, Money(extra))])


def test_shape_errors():
    with pytest.raises(InvalidPostings):
        check_legs([])
    with pytest.raises(InvalidPostings):
        check_legs([Leg(1, DEBIT, Money(-5)), Leg(2, CREDIT, Money(-5))])
    with pytest.raises(InvalidPostings):
        check_legs([Leg(1, "sideways", Money(5)), Leg(2, CREDIT, Money(5))])


@given(balanced_legs(), st.lists(st.integers(min_value=0, max_value=10**12), min_size=8,
                                 max_size=8))
def test_balance_after_walks_from_before_to_after(legs, start):
    states = {a: AccountState(a, "credit" if a % 2 else "debit", "CNY", True, "open",
                              start[2 * i], start[2 * i + 1], 7) for i, a in enumerate(ACCOUNTS)}
    spec = EntrySpec("t", "1", "c", "transfer", legs)
    deltas = deltas_of(spec)
    after = {a: (states[a].debits_posted + d.debits_posted,
                 states[a].credits_posted + d.credits_posted, 8) for a, d in deltas.items()}
    rows = posting_rows(spec, 99, states, after, now=None)  # type: ignore[arg-type]
    previous = {a: states[a].balance_minor(states[a].debits_posted, states[a].credits_posted)
                for a in ACCOUNTS}
    for row in rows:
        state = states[row["account_id"]]
        sign = 1 if (row["direction"] == DEBIT) == (state.normal_balance == DEBIT) else -1
        expected = previous[row["account_id"]] + sign * row["amount_minor"]
        assert row["balance_after_minor"] == expected
        assert row["account_version"] == 8
        previous[row["account_id"]] = row["balance_after_minor"]
    for account_id, (debits, credits, _) in after.items():
        assert previous[account_id] == states[account_id].balance_minor(debits, credits)


totals = st.integers(min_value=0, max_value=10**9)


@given(totals, totals, totals, totals, totals, totals)
def test_wallet_limit_is_available_never_below_zero(debits, credits, pending, out, into, hold):
    """For a customer wallet the limit says exactly: available after the change is not negative."""
    state = AccountState(1, "credit", "CNY", True, "open", debits, credits, 0,
                         debits_pending=pending, debits_must_not_exceed_credits=True)
    delta = Delta(debits_posted=out, credits_posted=into, debits_pending=hold)
    available_after = (credits + into) - (debits + out) - (pending + hold)
    assert within_limits(state, delta) == (available_after >= 0)


@given(totals, totals, totals, totals)
def test_accounts_without_flags_accept_anything(debits, credits, out, into):
    state = AccountState(1, "debit", "CNY", True, "open", debits, credits, 0)
    assert within_limits(state, Delta(debits_posted=out, credits_posted=into))
