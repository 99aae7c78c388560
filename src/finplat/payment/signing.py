"""Channel callback signatures: HMAC-SHA256 over ``timestamp + "." + body``, hex encoded."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from finplat.core.errors import Unauthenticated

TIMESTAMP_HEADER = "X-Channel-Timestamp"
SIGNATURE_HEADER = "X-Channel-Signature"
_MAX_TIMESTAMP_CHARS = 12
_MAX_SIGNATURE_CHARS = 128


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
        not timestamp
        or not signature
        or len(timestamp) > _MAX_TIMESTAMP_CHARS
        or len(signature) > _MAX_SIGNATURE_CHARS
        or not timestamp.isdigit()
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
