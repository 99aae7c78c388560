import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finplat.identity import identifiers
from finplat.identity.identifiers import IdentifierError

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize("number", ["11010519491231002X", "440524198001010013"])
def test_standard_examples_are_valid(number: str) -> None:
    parsed = identifiers.parse_resident_id(number, today=TODAY)
    assert parsed.number == number


def test_second_standard_example_has_a_valid_checksum_but_a_holder_too_old() -> None:
    # GB 11643's own example is born in 1880: no living holder is 146 years old.
    assert identifiers.id_check_char("44052418800101001") == "4"
    with pytest.raises(IdentifierError, match="1900 or later"):
        identifiers.parse_resident_id("440524188001010014", today=TODAY)


@pytest.mark.parametrize("birth", [date(1800, 5, 5), date(1899, 12, 31), date(1905, 3, 1)])
def test_birth_dates_before_1900_or_over_120_years_ago_are_refused(birth: date) -> None:
    number = identifiers.make_resident_id("110105", birth, 1)
    with pytest.raises(IdentifierError, match="at most 120 years ago"):
        identifiers.parse_resident_id(number, today=TODAY)


def test_a_holder_of_exactly_120_is_accepted() -> None:
    number = identifiers.make_resident_id("110105", date(1906, 3, 2), 1)
    assert identifiers.parse_resident_id(number, today=TODAY).birth_date == date(1906, 3, 2)


@pytest.mark.parametrize(
    "number",
    [
        "\u0661\u0661\u0660\u0661\u0660\u0665\u0661\u0669\u0664\u0669\u0661\u0662\u0663"
        "\u0661\u0660\u0660\u0662X",  # Arabic-Indic digits, which int() reads
        "\uff11\uff11\uff10\uff11\uff10\uff15\uff11\uff19\uff14\uff19\uff11\uff12\uff13"
        "\uff11\uff10\uff10\uff12X",  # full-width digits
    ],
)
def test_only_ascii_digits_make_an_id_number(number: str) -> None:
    with pytest.raises(IdentifierError, match="18 characters"):
        identifiers.parse_resident_id(number, today=TODAY)


@pytest.mark.parametrize("card", ["62220200000000000\u00b2\u00b2", "\u0666" * 16])
def test_only_ascii_digits_make_a_card_number(card: str) -> None:
    with pytest.raises(IdentifierError, match="16 to 19 digits"):
        identifiers.normalize_bank_card(card)


@pytest.mark.parametrize("phone", ["1380013800\u0660", "13800138000\n1"])
def test_only_ascii_digits_make_a_phone_number(phone: str) -> None:
    with pytest.raises(IdentifierError):
        identifiers.normalize_phone(phone)


@pytest.mark.parametrize(
    "name",
    ["张三", "欧阳娜娜", "阿依古丽·买买提", "José García", "Zoë", "Anne Marie Smith",
     "e\u0301mile"],  # the last NFC-composes to émile
)
def test_real_names_accepted(name: str) -> None:
    assert identifiers.normalize_real_name(f" {name} ") == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize(
    "name",
    ["张", "张" * 41, "张\u0000三", "张\u202e三", "张\u200b三", "张\u200d三", "张三\U0001f600",
     "张三1", "张三\u0663", "·张三", "张三·", "张··三", "张 三", "John  Smith", " ", "张\t三",
     "张三\u2605", "张\ufeff三", "John_Smith", "\u0301\u0301"],
)
def test_real_names_refused(name: str) -> None:
    with pytest.raises(IdentifierError):
        identifiers.normalize_real_name(name)


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


@given(st.dates(min_value=date(1906, 3, 2), max_value=TODAY), st.integers(0, 999))
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
