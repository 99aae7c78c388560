from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finplat.core.errors import Unauthenticated
from finplat.payment import signing

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
BODY = b'{"a":1}'


def _headers(secret: str = "s3cret", at: datetime = NOW, body: bytes = BODY) -> dict[str, str]:
    return signing.signed_headers(secret=secret, timestamp=int(at.timestamp()), body=body)


def _verify(headers: dict[str, str], body: bytes = BODY, secret: str = "s3cret") -> None:
    signing.verify(
        secret=secret,
        timestamp=headers.get(signing.TIMESTAMP_HEADER),
        signature=headers.get(signing.SIGNATURE_HEADER),
        body=body,
        now=NOW,
        tolerance_seconds=300,
    )


def test_a_fresh_correct_signature_is_accepted() -> None:
    _verify(_headers())


@pytest.mark.parametrize("change", ["body", "secret", "missing", "garbage"])
def test_tampering_is_refused(change: str) -> None:
    headers = _headers()
    body, secret = BODY, "s3cret"
    if change == "body":
        body = b'{"a":2}'
    elif change == "secret":
        secret = "other"
    elif change == "missing":
        headers.pop(signing.SIGNATURE_HEADER)
    else:
        headers[signing.TIMESTAMP_HEADER] = "-12"
    with pytest.raises(Unauthenticated) as raised:
        _verify(headers, body=body, secret=secret)
    assert raised.value.code == "payment.callback_signature_invalid"


@pytest.mark.parametrize("offset", [timedelta(minutes=5, seconds=1), -timedelta(minutes=6)])
def test_a_stale_or_future_timestamp_is_refused(offset: timedelta) -> None:
    with pytest.raises(Unauthenticated) as raised:
        _verify(_headers(at=NOW + offset))
    assert raised.value.code == "payment.callback_stale"


def test_within_five_minutes_is_fresh() -> None:
    _verify(_headers(at=NOW - timedelta(minutes=4, seconds=59)))


@pytest.mark.parametrize(
    "timestamp",
    ["²", "１７７２", "1772²", "", " ", " 1772416800", "1772416800 ", "-1772416800", "+17724",
     "9" * 13, "9" * 400, "0x1F", "1e9", "١٧٧٢", "\x00", "1772416800\n"],
)
def test_a_timestamp_that_is_not_ascii_digits_is_refused(timestamp: str) -> None:
    headers = _headers()
    headers[signing.TIMESTAMP_HEADER] = timestamp
    with pytest.raises(Unauthenticated) as raised:
        _verify(headers)
    assert raised.value.code == "payment.callback_signature_invalid"


def test_a_huge_but_well_formed_timestamp_is_stale_not_an_error() -> None:
    body = BODY
    headers = signing.signed_headers(secret="s3cret", timestamp=999_999_999_999, body=body)
    with pytest.raises(Unauthenticated) as raised:
        _verify(headers)
    assert raised.value.code == "payment.callback_stale"


@pytest.mark.parametrize("signature", ["²" * 64, "ａ" * 64, "g" * 64, "a" * 63, "", "a" * 65])
def test_a_signature_that_is_not_hex_is_refused(signature: str) -> None:
    headers = _headers()
    headers[signing.SIGNATURE_HEADER] = signature
    with pytest.raises(Unauthenticated):
        _verify(headers)


@given(timestamp=st.text(max_size=20), signature=st.text(max_size=80))
def test_any_header_text_is_accepted_or_refused_never_an_error(
    timestamp: str, signature: str
) -> None:
    try:
        _verify({signing.TIMESTAMP_HEADER: timestamp, signing.SIGNATURE_HEADER: signature})
    except Unauthenticated:
        pass
