"""Pure validation of identifiers (REGULATORY.md): resident ID (GB 11643), bank card (Luhn),
unified social credit code (GB 32100), mobile numbers and emails."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# ASCII digits only ([0-9], not \d: Python's \d takes every Unicode digit, which int() then
# reads), and fullmatch (a trailing newline satisfies ``$``).
_ID_18 = re.compile(r"[0-9]{17}[0-9X]")
_ID_15 = re.compile(r"[0-9]{15}")
# First two digits of the address code: provinces and the residence-permit prefixes (81-83).
_PROVINCE_PREFIXES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
        "91",
    }
)

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_PHONE = re.compile(r"1[3-9][0-9]{9}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"[0-9]{16,19}")
_SEPARATORS = re.compile(r"[ \t-]")
# The oldest birth year and age a real holder can have: older is a typing error or a forgery.
EARLIEST_BIRTH_YEAR = 1900
MAX_AGE_YEARS = 120


class IdentifierError(ValueError):
    """A value that fails a hard rule; the message is safe to show (no personal data)."""


@dataclass(frozen=True)
class ResidentId:
    number: str  # normalized 18-character form
    birth_date: date
    sex: str  # "male" | "female"
    address_code_known: bool  # the soft check: a plausible province prefix


def id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def upgrade_legacy_id(number15: str) -> str:
    """A 15-digit legacy number as its 18-character form ("19" inserted, check char added)."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + id_check_char(first17)


def parse_resident_id(value: str, *, today: date) -> ResidentId:
    """Validate a resident ID number; the checksum and a real, past birth date are hard rules.

    Raises ``IdentifierError``.
    """
    number = value.strip().upper()
    if _ID_15.fullmatch(number):
        number = upgrade_legacy_id(number)
    if not _ID_18.fullmatch(number):
        raise IdentifierError("must be 18 characters (17 digits and a digit or X) or 15 digits")
    if id_check_char(number[:17]) != number[17]:
        raise IdentifierError("the check character does not match (GB 11643)")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError("the birth date is not a real date") from None
    if birth > today:
        raise IdentifierError("the birth date is in the future")
    if birth.year < EARLIEST_BIRTH_YEAR or age_on(birth, today) > MAX_AGE_YEARS:
        raise IdentifierError(
            f"the birth date must be in {EARLIEST_BIRTH_YEAR} or later and at most "
            f"{MAX_AGE_YEARS} years ago"
        )
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return ResidentId(
        number=number,
        birth_date=birth,
        sex=sex,
        address_code_known=number[:2] in _PROVINCE_PREFIXES,
    )


def age_on(birth: date, today: date) -> int:
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years


def make_resident_id(prefix6: str, birth: date, sequence: int) -> str:
    """A checksum-valid ID number (for tests and demo data)."""
    first17 = f"{prefix6}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    for digit in "0123456789":
        if luhn_valid(partial + digit):
            return digit
    raise AssertionError("unreachable")


def normalize_bank_card(value: str) -> str:
    """Digits of a bank card; hard rules 16-19 digits and Luhn. Raises ``IdentifierError``."""
    digits = _SEPARATORS.sub("", value)
    if not _CARD.fullmatch(digits):
        raise IdentifierError("must be 16 to 19 digits")
    if not luhn_valid(digits):
        raise IdentifierError("the card number fails the Luhn check")
    return digits


# A few well-known bank identification numbers; anything else shows no bank name.
_BANK_PREFIXES = (
    ("622202", "中国工商银行"),
    ("622848", "中国农业银行"),
    ("621700", "中国建设银行"),
    ("436742", "中国建设银行"),
    ("621661", "中国银行"),
    ("622588", "招商银行"),
    ("622262", "交通银行"),
    ("621799", "中国邮政储蓄银行"),
)


def bank_name_for(card_number: str) -> str | None:
    for prefix, name in _BANK_PREFIXES:
        if card_number.startswith(prefix):
            return name
    return None


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(char) * (3**index % 31) for index, char in enumerate(first17))
    check = 31 - total % 31
    return _USCC_ALPHABET[0 if check == 31 else check]


def parse_uscc(value: str) -> tuple[str, bool]:
    """``(code, checksum_ok)``. The format is a hard rule (``IdentifierError``); a checksum
    failure only means the code must be verified with the registry."""
    code = value.strip().upper()
    if not _USCC.fullmatch(code):
        raise IdentifierError("must be 18 characters over 0-9 and A-Y without I, O, S, V, Z")
    return code, uscc_check_char(code[:17]) == code[17]


NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 40
# The interpunct of transliterated minority and foreign names (阿依古丽·买买提), as typed on
# Chinese (U+00B7) and Japanese (U+30FB) keyboards.
_NAME_DOTS = frozenset("\u00b7\u30fb")
_NAME_LETTERS = frozenset({"Lu", "Ll", "Lt", "Lo"})


def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN ")


def normalize_real_name(value: str) -> str:
    """A real name as the ID card prints it, NFC-normalised: 2 to 40 letters (CJK or any
    alphabet), the middle dot between names, single spaces between Latin words. Digits, control
    and format characters (NUL, U+202E right-to-left override, zero-width joiners), emoji and
    other symbols are refused: they let a name look like another one. Raises ``IdentifierError``."""
    name = unicodedata.normalize("NFC", value.strip())
    if not NAME_MIN_LENGTH <= len(name) <= NAME_MAX_LENGTH:
        raise IdentifierError(
            f"must be {NAME_MIN_LENGTH} to {NAME_MAX_LENGTH} characters long"
        )
    for index, char in enumerate(name):
        if unicodedata.category(char) in _NAME_LETTERS:
            continue
        before = name[index - 1] if index else ""
        after = name[index + 1] if index + 1 < len(name) else ""
        if char in _NAME_DOTS and before.isalpha() and after.isalpha():
            continue
        if char == " " and before and after and _is_latin(before) and _is_latin(after):
            continue
        raise IdentifierError(
            "may hold only letters, a middle dot (·) between names and single spaces between "
            "Latin words"
        )
    return name


def normalize_phone(value: str) -> str:
    phone = _SEPARATORS.sub("", value)
    if phone.startswith("+86"):
        phone = phone[3:]
    if not _PHONE.fullmatch(phone):
        raise IdentifierError("must be a mainland mobile number (11 digits starting 13-19)")
    return phone


def normalize_email(value: str) -> str:
    email = value.strip()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise IdentifierError("is not a valid email address")
    local, _, domain = email.partition("@")
    return f"{local}@{domain.lower()}"
