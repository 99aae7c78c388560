"""The user agreement and the privacy policy, versioned: each version a pair of files
``<kind>.v<version>.<zh|en>.md`` that is never edited once published (a change is a new
version). Registration records which versions the user accepted, when, and the digest of the
texts (``identity_consent``), so the exact words agreed to can always be shown again."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.errors import Conflict, NotFound, field_error
from finplat.identity.models import Consent

USER_AGREEMENT = "user_agreement"
PRIVACY_POLICY = "privacy_policy"
# The version in force of each document; registration must accept exactly these.
CURRENT: dict[str, int] = {USER_AGREEMENT: 1, PRIVACY_POLICY: 1}
LANGUAGES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Agreement:
    kind: str
    version: int
    language: str
    title: str
    body: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "version": self.version, "language": self.language,
                "title": self.title, "body": self.body}


@functools.cache
def load(kind: str, version: int, language: str) -> Agreement:
    """One published text; raises ``NotFound('identity.agreement_not_found')``."""
    if kind not in CURRENT or language not in LANGUAGES or not 1 <= version <= CURRENT[kind]:
        raise NotFound("identity.agreement_not_found", "no such agreement or version")
    text = resources.files(__package__).joinpath(f"{kind}.v{version}.{language}.md")
    title, _, body = text.read_text(encoding="utf-8").partition("\n")
    return Agreement(kind, version, language, title.removeprefix("# ").strip(), body.strip())


def current(language: str) -> list[Agreement]:
    """Every document in force, in ``language``."""
    return [load(kind, version, language) for kind, version in CURRENT.items()]


@functools.cache
def digest(kind: str, version: int) -> str:
    """SHA-256 of both languages' texts of a version: what a consent proves was shown."""
    parts = [load(kind, version, language) for language in LANGUAGES]
    joined = "\n\0\n".join(f"{a.title}\n{a.body}" for a in parts)
    return hashlib.sha256(joined.encode()).hexdigest()


def check_accepted(accepted: dict[str, int]) -> None:
    """Registration accepts every document in force, in its current version. Raises
    ``InvalidInput('identity.consent_required')`` for one missing and
    ``Conflict('identity.agreement_outdated')`` for an older or unknown version."""
    missing = [kind for kind in CURRENT if kind not in accepted]
    unknown = [kind for kind in accepted if kind not in CURRENT]
    if missing or unknown:
        raise field_error("agreements", "accept the user agreement and the privacy policy "
                          f"(versions {CURRENT})", code="identity.consent_required")
    if any(accepted[kind] != version for kind, version in CURRENT.items()):
        raise Conflict("identity.agreement_outdated",
                       "the agreements have changed; read and accept the current versions",
                       extra={"current_versions": dict(CURRENT)})


async def record_consents(session: AsyncSession, *, user_id: int, accepted: dict[str, int],
                          language: str, now: datetime) -> None:
    """One row per document accepted, with its version, digest, language shown and time."""
    await session.execute(insert(Consent), [
        {"user_id": user_id, "kind": kind, "version": version, "language": language,
         "text_sha256": digest(kind, version), "consented_at": now}
        for kind, version in sorted(accepted.items())])
