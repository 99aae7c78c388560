from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finplat.identity import identifiers
from finplat.identity.identifiers import IdentifierError

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_standard_examples_are_valid(number: str) -> None:
    parsed = identifiers.parse_resident_id(number, today=TODAY)
    assert parsed.number == number


def test_second_standard_example_passes_despite_unknown_address_table() -> None:
    parsed = identifiers.parse_resident_id("440524188001010014", today=TODAY)
    assert parsed.birth_date == date(1880, 1, 1)
    assert parsed.sex == "male"


def test_sex_and_birth_date_are_derived() -> None:
    parsed = identifiers.parse_resident_id("11010519491231002x", today=TODAY)
    assert parsed.birth_date == date(1949, 12, 31) and parsed.sex == "female"
    assert parsed.address_code_known


def test_bad_checksum_is_refused() -> None:
    with pytest.raises(IdentifierError, match="check character"):
        identifiers.parse_resident_id("110105194912310021", today=TODAY)


def test_impossible_and_future_dates_are_refused() -> None:
    impossible = identifiers.make_resident_id("110105", date(2000, 1, 1), 1)
    impossible = impossible[:10] + "0230" + impossible[14:17]
    impossible += identifiers.id_check_char(impossible)
    with pytest.raises(IdentifierError, match="real date"):
        identifiers.parse_resident_id(impossible, today=TODAY)
    future = identifiers.make_resident_id("110105", date(2027, 1, 1), 1)
    with pytest.raises(IdentifierError, match="future"):
        identifiers.parse_resident_id(future, today=TODAY)


def test_legacy_fifteen_digit_number_is_upgraded() -> None:
    upgraded = identifiers.parse_resident_id("110105491231002", today=TODAY).number
    assert upgraded == "11010519491231002X"


def test_residence_permit_prefix_is_not_refused() -> None:
    number = identifiers.make_resident_id("810000", date(1990, 5, 5), 12)
    assert identifiers.parse_resident_id(number, today=TODAY).address_code_known


def test_unknown_address_code_is_only_a_soft_check() -> None:
    number = identifiers.make_resident_id("990000", date(1990, 5, 5), 12)
    assert not identifiers.parse_resident_id(number, today=TODAY).address_code_known


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.integers(0, 999))
def test_generated_numbers_round_trip(birth: date, sequence: int) -> None:
    number = identifiers.make_resident_id("330106", birth, sequence)
    parsed = identifiers.parse_resident_id(number, today=TODAY)
    assert parsed.birth_date == birth


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_exactly_one_check_char_is_accepted(first17: str, check: str) -> None:
    try:
        identifiers.parse_resident_id(first17 + check, today=TODAY)
    except IdentifierError as error:
        assert check != identifiers.id_check_char(first17) or "date" in str(error)


def test_age() -> None:
    assert identifiers.age_on(date(2008, 3, 3), TODAY) == 17
    assert identifiers.age_on(date(2008, 3, 2), TODAY) == 18


def test_bank_cards() -> None:
    assert identifiers.normalize_bank_card("6222 0200 0000 0000 018") == "6222020000000000018"
    with pytest.raises(IdentifierError, match="Luhn"):
        identifiers.normalize_bank_card("6222020000000000019")
    with pytest.raises(IdentifierError, match="16 to 19"):
        identifiers.normalize_bank_card("62220200000")
    assert identifiers.bank_name_for("6222020000000000018") == "中国工商银行"


def test_uscc_format_is_hard_and_checksum_soft() -> None:
    assert identifiers.parse_uscc("91350100M000100Y43") == ("91350100M000100Y43", True)
    assert identifiers.parse_uscc("91350100M000100Y44") == ("91350100M000100Y44", False)
    with pytest.raises(IdentifierError):
        identifiers.parse_uscc("91350100M000100YI3")  # I is not in the alphabet
    with pytest.raises(IdentifierError):
        identifiers.parse_uscc("9135")


def test_phones_and_emails() -> None:
    assert identifiers.normalize_phone("+86 138-0013-8000") == "13800138000"
    with pytest.raises(IdentifierError):
        identifiers.normalize_phone("12800138000")
    assert identifiers.normalize_email("Li.Na@Example.COM") == "Li.Na@example.com"
    with pytest.raises(IdentifierError):
        identifiers.normalize_email("not-an-email")
