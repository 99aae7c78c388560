"""Request and response bodies of the identity API (every input bounded)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from finplat.core.fields import MAX_ID, SingleLine


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


AgreementKind = Annotated[str, Field(min_length=1, max_length=32)]
AgreementVersion = Annotated[StrictInt, Field(ge=1, le=10_000)]


class RegistrationCodeIn(Strict):
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)


class RegistrationCodeOut(BaseModel):
    # Only in development, where no SMS or mail is sent: the code itself.
    development_code: str | None = None


class RegisterIn(Strict):
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    password: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=4, max_length=8, description="From POST /auth/register/code.")
    agreements: dict[AgreementKind, AgreementVersion] = Field(
        max_length=8,
        description='The versions accepted: {"user_agreement": 1, "privacy_policy": 1} '
        "(GET /agreements lists those in force).",
    )


class AgreementOut(BaseModel):
    kind: str
    version: int
    language: str
    title: str
    body: str


class AgreementsOut(BaseModel):
    language: str
    agreements: list[AgreementOut]


class RegisterOut(BaseModel):
    user_id: int


class ConfirmContactIn(Strict):
    login: str = Field(min_length=1, max_length=254)
    code: str = Field(min_length=4, max_length=8)


class ResendCodeIn(Strict):
    login: str = Field(min_length=1, max_length=254)


class LoginIn(Strict):
    login: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)
    totp_code: str | None = Field(default=None, max_length=8)
    # An id the app makes once per installation: risk monitoring notices new and shared
    # devices (only a keyed digest of it is kept).
    device_id: str | None = Field(default=None, min_length=8, max_length=128,
                                  pattern=r"^[A-Za-z0-9._:-]+$")


class TokenPairOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type
    expires_in: int


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=1, max_length=256)


class ProfileOut(BaseModel):
    user_id: int
    status: str
    username: str | None
    phone: str | None
    email: str | None
    phone_confirmed: bool
    email_confirmed: bool
    roles: list[str]
    kyc_status: str
    real_name: str | None
    id_number: str | None
    risk_level: str | None
    risk_level_expires_at: str | None
    institution_id: int | None
    created_at: str


class KycIn(Strict):
    real_name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=15, max_length=18)
    bank_card_number: str | None = Field(default=None, max_length=23)
    bank_reserved_phone: str | None = Field(default=None, max_length=20)


class KycOut(BaseModel):
    kyc_status: str
    real_name: str
    id_number: str
    bank_card_id: int | None


class BankCardOut(BaseModel):
    id: int
    card_number_masked: str
    bank_name: str | None
    created_at: str


class BankCardsOut(BaseModel):
    items: list[BankCardOut]


class ContactChangeIn(Strict):
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)


class ContactChangeOut(BaseModel):
    channel: str


class ContactConfirmIn(Strict):
    channel: Literal["phone", "email"]
    code: str = Field(min_length=4, max_length=8)


class PasswordChangeIn(Strict):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class OAuthStartOut(BaseModel):
    authorization_url: str
    state: str


class OAuthFinishIn(Strict):
    code: str = Field(min_length=1, max_length=2048)
    state: str = Field(min_length=16, max_length=128)


class InstitutionIn(Strict):
    name: SingleLine = Field(min_length=1, max_length=128)
    uscc: str = Field(min_length=18, max_length=18)


class InstitutionOut(BaseModel):
    id: int
    name: str
    uscc: str
    needs_registry_verification: bool
    created_at: str


class AccountIn(Strict):
    login: SingleLine = Field(
        min_length=3, max_length=254, description="a user name, a mobile number or an email"
    )
    password: str = Field(min_length=1, max_length=128)
    roles: list[str] = Field(min_length=1, max_length=8)
    institution_id: int | None = Field(default=None, gt=0, le=MAX_ID)


class AccountOut(BaseModel):
    user_id: int
    totp_secret: str | None


class RolesIn(Strict):
    roles: list[str] = Field(min_length=1, max_length=8)
    institution_id: int | None = Field(default=None, gt=0, le=MAX_ID)


class RolesOut(BaseModel):
    user_id: int
    roles: list[str]
    totp_secret: str | None


class StatusIn(Strict):
    status: Literal["active", "frozen"]
    reason: SingleLine = Field(min_length=1, max_length=500)


class UsersPage(BaseModel):
    items: list[ProfileOut]
    next_cursor: str | None


class PersonalDataIn(Strict):
    reason: SingleLine = Field(min_length=1, max_length=500)


class PersonalCardOut(BaseModel):
    id: int
    card_number: str
    bank_name: str | None
    status: str


class PersonalDataOut(BaseModel):
    user_id: int
    phone: str | None
    email: str | None
    real_name: str | None
    id_number: str | None
    bank_cards: list[PersonalCardOut]


class ReasonIn(Strict):
    reason: SingleLine = Field(min_length=1, max_length=500)


class UserSearchOut(BaseModel):
    items: list[ProfileOut]


class StaffCardOut(BaseModel):
    id: int
    card_number_masked: str
    bank_name: str | None
    created_at: str


class StaffCardsOut(BaseModel):
    items: list[StaffCardOut]


class SessionOut(BaseModel):
    id: int
    family: str
    refreshed_at: str
    expires_at: str


class SessionsOut(BaseModel):
    items: list[SessionOut]


class TotpResetOut(BaseModel):
    """Shown once: the new secret and the ``otpauth://`` URI to enrol an authenticator."""

    user_id: int
    totp_secret: str
    provisioning_uri: str


class InstitutionsPage(BaseModel):
    items: list[InstitutionOut]
    next_cursor: str | None
