"""Identity tables: users, roles, credentials, sessions, one-time codes, bank cards, institutions.

Personal data (C2) is stored encrypted (``EncryptedText``); exact lookups go through keyed blind
index columns, never through the plaintext.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, BigId, EncryptedText, Instant, IntPk, UtcDateTime

# Roles a user may hold. Staff roles must pass a TOTP code at login.
CUSTOMER_ROLES = frozenset({"investor", "borrower", "institution"})
# ``finance``: operations and finance (fund statistics, payments, reconciliation, freezes);
# ``marketing``: campaigns, offers and points rules.
STAFF_ROLES = frozenset({"reviewer", "risk_officer", "support", "auditor", "admin", "finance",
                         "marketing"})
ALL_ROLES = CUSTOMER_ROLES | STAFF_ROLES

USER_ACTIVE = "active"
USER_FROZEN = "frozen"
USER_CLOSED = "closed"

KYC_UNVERIFIED = "unverified"
KYC_VERIFIED = "verified"


class Institution(Base):
    """A financial institution that publishes products; identified by its USCC (GB 32100)."""

    __tablename__ = "identity_institution"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, unique=True)
    # A USCC that fails the GB 32100 checksum may still be genuine: it is kept, flagged for a
    # registry check, rather than refused.
    needs_registry_verification: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[Instant]


class User(Base):
    __tablename__ = "identity_user"

    id: Mapped[IntPk]
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=USER_ACTIVE)
    # Staff and test accounts may log in with a plain user name instead of a phone or email.
    username: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    phone_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    email: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    email_index: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    # The last accepted TOTP time step: a code is good once (RFC 6238 section 5.2).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Bumped when every session must end (password change): access tokens carry the epoch.
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed_login_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_failed_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    kyc_status: Mapped[str] = mapped_column(String(16), nullable=False, default=KYC_UNVERIFIED)
    kyc_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    real_name: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    id_number: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    # Unique: one ID number verifies one user only.
    id_number_index: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)

    risk_level: Mapped[str | None] = mapped_column(String(8), nullable=True)
    risk_level_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    institution_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("identity_institution.id"), nullable=True, index=True
    )
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]


class UserRole(Base):
    __tablename__ = "identity_user_role"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("identity_user.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    granted_at: Mapped[Instant]

    __table_args__ = (UniqueConstraint("user_id", "role"),)


class RefreshToken(Base):
    """An opaque refresh token, stored as its SHA-256. Rotation keeps the family; reuse of a
    rotated token revokes the whole family."""

    __tablename__ = "identity_refresh_token"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("identity_user.id"), nullable=False, index=True
    )
    family_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    issued_at: Mapped[Instant]
    expires_at: Mapped[Instant]
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OneTimeCode(Base):
    """A code sent by SMS or email to prove a contact; stored hashed, short-lived, single use."""

    __tablename__ = "identity_one_time_code"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("identity_user.id"), nullable=False, index=True
    )
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # "phone" | "email"
    destination: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[Instant]
    expires_at: Mapped[Instant]
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class BankCard(Base):
    __tablename__ = "identity_bank_card"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("identity_user.id"), nullable=False, index=True
    )
    card_number: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    card_number_index: Mapped[str] = mapped_column(String(64), nullable=False)
    card_number_masked: Mapped[str] = mapped_column(String(32), nullable=False)
    bank_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reserved_phone: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    created_at: Mapped[Instant]

    __table_args__ = (UniqueConstraint("user_id", "card_number_index"),)


class OAuthLink(Base):
    """A third-party account (provider + subject) linked to a user."""

    __tablename__ = "identity_oauth_link"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("identity_user.id"), nullable=False, index=True
    )
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[Instant]

    __table_args__ = (UniqueConstraint("provider", "subject"),)


class OAuthState(Base):
    """A started authorization-code flow: its state (hashed) and PKCE verifier (encrypted)."""

    __tablename__ = "identity_oauth_state"

    id: Mapped[IntPk]
    state_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    code_verifier: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    # Set when a logged-in user starts the flow to link the provider to their account.
    link_user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[Instant]
    expires_at: Mapped[Instant]
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class RegistrationCode(Base):
    """A code sent to a phone or email before its account exists: registration consumes it,
    which proves the contact. Found by the contact's blind index; stored hashed, short-lived,
    single use, a bounded number of attempts."""

    __tablename__ = "identity_registration_code"

    id: Mapped[IntPk]
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # "phone" | "email"
    destination_index: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[Instant]
    expires_at: Mapped[Instant]
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Consent(Base):
    """A user's acceptance of one version of an agreement (``identity.agreements``): when, in
    which language it was shown, and the digest of its texts."""

    __tablename__ = "identity_consent"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("identity_user.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    text_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    consented_at: Mapped[Instant]

    __table_args__ = (UniqueConstraint("user_id", "kind", "version"),)
