"""Property tests of the set-based writer's arithmetic (``finplat.ledger.bulk``): the postings of
many entries written at once carry the balances and versions that writing them one by one
would, and the one UPDATE's net movement is the sum of the entries'."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from finplat.core.money import Money
from finplat.ledger import bulk
from finplat.ledger.posting import AccountState, EntrySpec, credit, debit

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ACCOUNTS = (1, 2, 3, 4, 5)


def _state(account_id: int, *, tracks: bool = True) -> AccountState:
    return AccountState(id=account_id, normal_balance="credit", currency="CNY",
                        tracks_balance=tracks, status="open", debits_posted=7,
                        credits_posted=1_000_000, version=3)


@st.composite
def payouts(draw):  # type: ignore[no-untyped-def]
    """Entries with one debit and several credits (accounts may repeat), some pending."""
    entries = []
    for n in range(draw(st.integers(min_value=1, max_value=6))):
        payer = draw(st.sampled_from(ACCOUNTS))
        payees = draw(st.lists(st.tuples(st.sampled_from([a for a in ACCOUNTS if a != payer]),
                                         st.integers(min_value=1, max_value=10_000)),
                               min_size=1, max_size=5))
        legs = [debit(payer, Money(sum(amount for _a, amount in payees)))]
        legs += [credit(account, Money(amount)) for account, amount in payees]
        entries.append(EntrySpec(source_type="t", source_id=str(n), code="c",
                                 entry_type="hold" if draw(st.booleans()) else "transfer",
                                 legs=legs, pending=False))
    for spec in entries:
        spec.pending = spec.entry_type == "hold"
    return entries


@given(payouts(), st.sets(st.sampled_from(ACCOUNTS)))
def test_postings_match_writing_the_entries_one_by_one(specs, hot) -> None:
    states = {a: _state(a, tracks=a not in hot) for a in ACCOUNTS}
    plan = bulk._plan(specs)
    rows = bulk._posting_rows(specs, list(range(100, 100 + len(specs))), plan, states, NOW)
    # One by one: each entry advances each account it touches once; posted legs move totals.
    totals = {a: [s.debits_posted, s.credits_posted, s.version] for a, s in states.items()}
    expected = []
    for spec in specs:
        for account_id in {leg.account_id for leg in spec.legs}:
            totals[account_id][2] += 1
        for leg in spec.legs:
            current = totals[leg.account_id]
            if not spec.pending:
                current[0 if leg.direction == "debit" else 1] += leg.amount.amount_minor
            if leg.account_id in hot:
                expected.append((None, None))
            else:
                expected.append((current[1] - current[0], current[2]))
    assert [(r["balance_after_minor"], r["account_version"]) for r in rows] == expected
    for account_id, delta in plan.net.items():
        posted = [leg for spec in specs if not spec.pending for leg in spec.legs
                  if leg.account_id == account_id]
        held = [leg for spec in specs if spec.pending for leg in spec.legs
                if leg.account_id == account_id]
        assert delta.debits_posted == sum(leg.amount.amount_minor for leg in posted
                                          if leg.direction == "debit")
        assert delta.credits_posted == sum(leg.amount.amount_minor for leg in posted
                                           if leg.direction == "credit")
        assert delta.debits_pending == sum(leg.amount.amount_minor for leg in held
                                           if leg.direction == "debit")
        assert plan.entries_per_account[account_id] == sum(
            1 for spec in specs if account_id in {leg.account_id for leg in spec.legs})


@given(payouts())
def test_the_update_is_guarded_only_where_a_limit_could_break(specs) -> None:
    states = {a: AccountState(id=a, normal_balance="credit", currency="CNY", tracks_balance=True,
                              status="open", debits_posted=0, credits_posted=10**9, version=0,
                              debits_must_not_exceed_credits=True) for a in ACCOUNTS}
    plan = bulk._plan(specs)
    ids = sorted(plan.net)
    shape, parameters = bulk._update_parameters(ids, plan, states, NOW)
    risky = [a for a in ids if plan.net[a].debits_posted + plan.net[a].debits_pending
             > plan.net[a].credits_posted]
    assert shape.debit_guard == bool(risky) and parameters.get("debit_risk", []) == risky
    assert not shape.credit_guard
    # Each total's CASE names exactly the accounts it moves, with their net amounts.
    for name, count in shape.moved:
        named = {parameters[f"{name}_id{n}"]: parameters[f"{name}{n}"] for n in range(count)}
        assert named == {a: getattr(plan.net[a], name) for a in ids if getattr(plan.net[a], name)}
    assert "UPDATE ledger_account SET" in str(bulk._guarded_update(shape))
