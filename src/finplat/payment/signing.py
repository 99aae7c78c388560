"""Channel callback signatures: HMAC-SHA256 over ``timestamp + "." + body``, hex encoded."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from finplat.core.errors import Unauthenticated

TIMESTAMP_HEADER = "X-Channel-Timestamp"
SIGNATURE_HEADER = "X-Channel-Signature"
# ASCII only: ``str.isdigit`` also accepts "²" or full-width digits, which ``int`` then refuses
# (or reads), and ``hmac.compare_digest`` raises on non-ASCII text.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(*, secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret=secret, timestamp=timestamp, body=body),
    }


def verify(
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    tolerance_seconds: int,
) -> None:
    """Accept only a fresh notification signed with ``secret``.

    Raises ``Unauthenticated('payment.callback_signature_invalid')`` for a missing or wrong
    signature and ``Unauthenticated('payment.callback_stale')`` for a timestamp outside the
    tolerance window (in either direction, so a captured callback cannot be replayed later).
    """
    if (
        timestamp is None
        or signature is None
        or _TIMESTAMP.fullmatch(timestamp) is None
        or _SIGNATURE.fullmatch(signature) is None
    ):
        raise Unauthenticated(
            "payment.callback_signature_invalid", "the callback is not signed as the channel signs"
        )
    expected = sign(secret=secret, timestamp=int(timestamp), body=body)
    # Compare before looking at freshness so that timing reveals nothing about the secret.
    if not hmac.compare_digest(expected, signature.lower()):
        raise Unauthenticated(
            "payment.callback_signature_invalid", "the callback is not signed as the channel signs"
        )
    if abs(now.timestamp() - int(timestamp)) > tolerance_seconds:
        raise Unauthenticated(
            "payment.callback_stale", "the callback timestamp is outside the accepted window"
        )
