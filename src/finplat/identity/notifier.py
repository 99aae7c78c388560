"""Delivery of one-time codes by SMS or email, behind an interface.

A real site plugs in its SMS gateway / mail service by setting ``app.state.identity_notifier`` to
an object with the ``Notifier`` method. The development notifier only logs, masked, and keeps the
last code per destination so that tests and a local developer can read it.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from finplat.core.masking import mask_email, mask_phone

log = logging.getLogger("finplat.identity.notifier")


class Notifier(Protocol):
    async def send_code(self, *, channel: str, destination: str, code: str, purpose: str) -> None:
        """Deliver ``code`` to ``destination`` (a phone for channel "phone", else an email)."""


class DevelopmentNotifier:
    def __init__(self) -> None:
        self.last_codes: dict[str, str] = {}

    async def send_code(self, *, channel: str, destination: str, code: str, purpose: str) -> None:
        self.last_codes[destination] = code
        masked = mask_phone(destination) if channel == "phone" else mask_email(destination)
        log.info(
            "one-time code sent (development notifier)",
            extra={"channel": channel, "destination": masked, "purpose": purpose},
        )

    def last_code(self, destination: str) -> str | None:
        return self.last_codes.get(destination)


def notifier_for(app: Any) -> Notifier:
    """The app's notifier, a development notifier unless one was configured."""
    notifier = getattr(app.state, "identity_notifier", None)
    if notifier is None:
        notifier = DevelopmentNotifier()
        app.state.identity_notifier = notifier
    return notifier
