"""The identity package's events (``finplat.events.types``): ids and facts, nothing personal."""

from __future__ import annotations

from finplat.events.types import DomainEvent


class UserCreated(DomainEvent):
    """An account was registered (by the person, or by staff for staff and test accounts)."""

    topic = "identity.user_created"
    user_id: int
    roles: list[str]
    staff: bool


class KycVerified(DomainEvent):
    """Real-name verification succeeded: the account may now hold money."""

    topic = "identity.kyc_verified"
    user_id: int
    bank_card_id: int | None
    address_code_known: bool


class RolesChanged(DomainEvent):
    topic = "identity.roles_changed"
    user_id: int
    before: list[str]
    after: list[str]


class UserFrozen(DomainEvent):
    """Staff froze the account; its sessions ended."""

    topic = "identity.user_frozen"
    user_id: int


class UserUnfrozen(DomainEvent):
    """Staff made a frozen account active again."""

    topic = "identity.user_active"
    user_id: int


class LoggedIn(DomainEvent):
    """A login succeeded. ``device_fingerprint`` is a keyed digest of the device id the app
    sent (never the id itself), None when it sent none."""

    topic = "identity.logged_in"
    user_id: int
    device_fingerprint: str | None


class LoginFailed(DomainEvent):
    """A login's password or one-time code was wrong; ``failures`` counts them within the
    lockout window."""

    topic = "identity.login_failed"
    user_id: int
    failures: int
    device_fingerprint: str | None
