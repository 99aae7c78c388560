"""Field encryption (AES-256-GCM under a versioned key ring) and keyed blind indexes.

Ciphertext layout: ``b"F1" | key version (2 bytes, big endian) | nonce (12) | ciphertext+tag``.
Every key in the ring decrypts; the active one encrypts, so keys rotate without downtime
(``reencrypt`` moves a value to the active key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_MAGIC = b"F1"
_NONCE_BYTES = 12


@dataclass(frozen=True)
class KeyRing:
    keys: dict[int, bytes]
    active: int
    index_key: bytes

    @classmethod
    def parse(cls, data_keys: str, active: int, blind_index_key: str) -> KeyRing:
        keys: dict[int, bytes] = {}
        for item in filter(None, (part.strip() for part in data_keys.split(","))):
            version_text, _, encoded = item.partition(":")
            key = base64.b64decode(encoded)
            if len(key) != 32:
                raise ValueError(f"data key {version_text} must be 32 bytes (AES-256)")
            keys[int(version_text)] = key
        if active not in keys:
            raise ValueError(f"active data key version {active} is not in the key ring")
        index_key = base64.b64decode(blind_index_key)
        if len(index_key) < 32:
            raise ValueError("blind index key must be at least 32 bytes")
        return cls(keys=keys, active=active, index_key=index_key)


_ring: KeyRing | None = None


def configure(ring: KeyRing) -> None:
    global _ring
    _ring = ring


def _current() -> KeyRing:
    if _ring is None:
        from finplat.config import get_settings

        settings = get_settings()
        configure(
            KeyRing.parse(settings.data_keys, settings.data_key_active, settings.blind_index_key)
        )
    assert _ring is not None
    return _ring


def encrypt(plaintext: str) -> bytes:
    ring = _current()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.active]).encrypt(nonce, plaintext.encode(), _MAGIC)
    return _MAGIC + ring.active.to_bytes(2, "big") + nonce + sealed


def active_version() -> int:
    return _current().active


def key_version(blob: bytes) -> int:
    if blob[:2] != _MAGIC:
        raise ValueError("not a finplat ciphertext")
    return int.from_bytes(blob[2:4], "big")


def decrypt(blob: bytes) -> str:
    ring = _current()
    version = key_version(blob)
    key = ring.keys.get(version)
    if key is None:
        raise ValueError(f"data key version {version} is not in the key ring")
    nonce = blob[4 : 4 + _NONCE_BYTES]
    return AESGCM(key).decrypt(nonce, blob[4 + _NONCE_BYTES :], _MAGIC).decode()


def reencrypt(blob: bytes) -> bytes | None:
    """The value under the active key, or None when it already is."""
    if key_version(blob) == _current().active:
        return None
    return encrypt(decrypt(blob))


def normalize(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().upper()


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed HMAC-SHA256 of the normalized value, for exact lookups without decrypting.

    ``purpose`` separates indexes (an ID number and a phone never share an index value).
    """
    ring = _current()
    message = purpose.encode() + b"\x00" + normalize(value).encode()
    return hmac.new(ring.index_key, message, hashlib.sha256).hexdigest()
