"""Masking of personal financial information (JR/T 0171-2020 conventions) for display and logs."""

from __future__ import annotations

import re


def _mask(value: str, keep_head: int, keep_tail: int, *, fill: str = "*") -> str:
    if len(value) <= keep_head + keep_tail:
        return fill * len(value)
    tail = value[len(value) - keep_tail :] if keep_tail else ""
    return value[:keep_head] + fill * (len(value) - keep_head - keep_tail) + tail


def mask_id_number(value: str | None) -> str | None:
    """Resident ID: first 1 and last 1 characters."""
    return None if value is None else _mask(value, 1, 1)


def mask_bank_card(value: str | None) -> str | None:
    """Bank card: first 6 and last 4 digits."""
    return None if value is None else _mask(value, 6, 4)


def mask_phone(value: str | None) -> str | None:
    """Mobile: first 3 and last 4 digits."""
    return None if value is None else _mask(value, 3, 4)


def mask_name(value: str | None) -> str | None:
    """Name: the surname stays (张*, 欧阳**); a Latin name keeps its first letter."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return value
    keep = 2 if len(value) >= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in value) else 1
    return value[:keep] + "*" * max(len(value) - keep, 1)


def mask_email(value: str | None) -> str | None:
    """Email: first character of the local part, the whole domain."""
    if value is None:
        return None
    local, at, domain = value.partition("@")
    if not at:
        return _mask(value, 1, 0)
    return (local[:1] + "***") + "@" + domain


def mask_address(value: str | None) -> str | None:
    """Address: province and city stay, the rest is hidden."""
    if value is None:
        return None
    match = re.match(r"^(.+?(省|自治区|市))(.+?(市|州|盟|区))?", value)
    head = match.group(0) if match else value[:6]
    return head + "****"


# Patterns for scrubbing free text (log messages, exported notes). An 18-character run is taken
# for an ID number first (the stricter mask, so an 18-digit card loses more, never less), then
# other card lengths, then mobiles.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<!\d)(\d{16,19})(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def scrub(text: str) -> str:
    """Mask anything in ``text`` that looks like an ID number, a card, a mobile or an email."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1)) or "", text)
    text = _CARD.sub(lambda m: mask_bank_card(m.group(1)) or "", text)
    text = _PHONE.sub(lambda m: mask_phone(m.group(1)) or "", text)
    return _EMAIL.sub(lambda m: mask_email(m.group(1)) or "", text)
