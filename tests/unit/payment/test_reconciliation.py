import pytest
from hypothesis import given
from hypothesis import strategies as st

from finplat.core.errors import InvalidInput
from finplat.payment import reconciliation, statement_format
from finplat.payment.reconciliation import PlatformRecord
from finplat.payment.statement_format import StatementLine


def line(reference: str, amount: int, kind: str = "deposit") -> StatementLine:
    return StatementLine(
        f"CB{reference}", reference, kind, amount, "CNY", "2026-03-02T02:00:00+00:00"
    )


def test_everything_matches() -> None:
    result = reconciliation.match(
        [line("D1", 100), line("W1", 50, "withdrawal")],
        [PlatformRecord("deposit", "D1", 100), PlatformRecord("withdrawal", "W1", 50)],
    )
    assert result.ok and result.matched_count == 2
    assert result.channel_total_minor == result.platform_total_minor == 150


def test_missing_on_either_side_and_amount_mismatch() -> None:
    result = reconciliation.match(
        [line("D1", 100), line("D2", 70), line("D3", 5)],
        [
            PlatformRecord("deposit", "D1", 100),
            PlatformRecord("deposit", "D2", 80),
            PlatformRecord("deposit", "D4", 9),
        ],
    )
    kinds = {(d.kind, d.merchant_reference) for d in result.discrepancies}
    assert kinds == {
        ("amount_mismatch", "D2"),
        ("missing_on_platform", "D3"),
        ("missing_at_channel", "D4"),
    }
    assert result.matched_count == 1
    mismatch = next(d for d in result.discrepancies if d.kind == "amount_mismatch")
    assert (mismatch.platform_amount_minor, mismatch.channel_amount_minor) == (80, 70)


def test_a_line_listed_twice_is_a_discrepancy() -> None:
    result = reconciliation.match(
        [line("D1", 100), line("D1", 100)], [PlatformRecord("deposit", "D1", 100)]
    )
    assert result.matched_count == 1
    assert [d.kind for d in result.discrepancies] == ["missing_on_platform"]


def test_a_deposit_and_a_withdrawal_with_the_same_reference_do_not_match() -> None:
    result = reconciliation.match(
        [line("X", 100, "withdrawal")], [PlatformRecord("deposit", "X", 100)]
    )
    assert {d.kind for d in result.discrepancies} == {"missing_on_platform", "missing_at_channel"}


amounts = st.dictionaries(
    st.text("ABCDEF0123", min_size=1, max_size=6), st.integers(1, 10**9), max_size=30
)


@given(amounts)
def test_identical_sides_always_match(records: dict[str, int]) -> None:
    result = reconciliation.match(
        [line(ref, amount) for ref, amount in records.items()],
        [PlatformRecord("deposit", ref, amount) for ref, amount in records.items()],
    )
    assert result.ok and result.matched_count == len(records)


@given(amounts, amounts)
def test_every_reference_is_accounted_for_once(
    channel: dict[str, int], ours: dict[str, int]
) -> None:
    result = reconciliation.match(
        [line(r, a) for r, a in channel.items()],
        [PlatformRecord("deposit", r, a) for r, a in ours.items()],
    )
    references = set(channel) | set(ours)
    mentioned = [d.merchant_reference for d in result.discrepancies]
    assert len(mentioned) == len(set(mentioned))
    assert result.matched_count + len(mentioned) == len(references)


def test_statement_round_trip_and_malformed_files() -> None:
    lines = [line("D1", 100), line("W1", 5, "withdrawal")]
    assert statement_format.parse(statement_format.render(lines)) == lines
    assert statement_format.parse(statement_format.render([])) == []
    for bad in (b"nonsense", b"\xff\xfe", statement_format.render(lines).replace(b"100", b"1.5")):
        with pytest.raises(InvalidInput):
            statement_format.parse(bad)
