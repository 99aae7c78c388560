"""Real-name verification (KYC): identifier rules, the identity-provider check and bank cards.
The verification opens the user's fund account (``ledger.service``) in its own transaction, so
a verified user can invest the moment the answer arrives; the ``identity.kyc_verified`` event's
ledger handler opens it too (get-or-create), for a verification committed without it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.audit import service as audit_service
from finplat.core import crypto
from finplat.core.clock import business_date
from finplat.core.db import Database
from finplat.core.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable, field_error
from finplat.core.masking import mask_bank_card, mask_id_number, mask_name
from finplat.events import service as events_service
from finplat.identity import identifiers
from finplat.identity.events import KycVerified
from finplat.identity.models import KYC_VERIFIED, BankCard, User
from finplat.ledger import service as ledger_service

ID_NUMBER_PURPOSE = "identity.id_number"
BANK_CARD_PURPOSE = "identity.bank_card"
PROVIDER_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class KycRequest:
    real_name: str
    id_number: str  # normalized 18-character form
    bank_card_number: str | None
    bank_reserved_phone: str | None
    # The soft check: an address code outside the known province prefixes is allowed but
    # flagged for review (new codes and permits appear before any table is updated).
    address_code_known: bool = True


@dataclass(frozen=True)
class ProviderVerdict:
    matched: bool
    field: str | None = None  # which input the provider disputes
    reason: str | None = None


class IdentityProvider(Protocol):
    async def verify(self, request: KycRequest) -> ProviderVerdict:
        """Check name + ID (and card + reserved phone when given) with an authority."""


class SimulatedIdentityProvider:
    """A deterministic stand-in for a vendor: every well-formed request matches except
    ID numbers whose sequence code is ``999`` (name and ID do not match) and cards ending
    ``0000`` (card not in this person's name). Never used for production decisions."""

    async def verify(self, request: KycRequest) -> ProviderVerdict:
        if request.id_number[14:17] == "999":
            return ProviderVerdict(False, "real_name", "the name does not match the ID number")
        if request.bank_card_number and request.bank_card_number.endswith("0000"):
            return ProviderVerdict(
                False, "bank_card_number", "the card is not registered to this person"
            )
        return ProviderVerdict(True)


def provider_for(app: Any) -> IdentityProvider:
    provider = getattr(app.state, "identity_provider", None)
    if provider is None:
        provider = SimulatedIdentityProvider()
        app.state.identity_provider = provider
    return provider


def validate(
    *,
    real_name: str,
    id_number: str,
    bank_card_number: str | None,
    bank_reserved_phone: str | None,
    now: datetime,
    minimum_age_years: int,
) -> KycRequest:
    """The hard rules, as 422s naming the field. Raises ``InvalidInput``."""
    try:
        name = identifiers.normalize_real_name(real_name)
    except identifiers.IdentifierError as error:
        raise field_error("real_name", str(error), code="identity.invalid_real_name") from None
    today = business_date(now)
    try:
        resident = identifiers.parse_resident_id(id_number, today=today)
    except identifiers.IdentifierError as error:
        raise field_error("id_number", str(error), code="identity.invalid_id_number") from None
    if identifiers.age_on(resident.birth_date, today) < minimum_age_years:
        raise field_error(
            "id_number",
            f"the holder must be at least {minimum_age_years} years old",
            code="identity.under_age",
        )
    card = phone = None
    if bank_card_number:
        try:
            card = identifiers.normalize_bank_card(bank_card_number)
        except identifiers.IdentifierError as error:
            raise field_error(
                "bank_card_number", str(error), code="identity.invalid_bank_card"
            ) from None
    if bank_reserved_phone:
        if card is None:
            raise field_error("bank_reserved_phone", "is only meaningful with bank_card_number")
        try:
            phone = identifiers.normalize_phone(bank_reserved_phone)
        except identifiers.IdentifierError as error:
            raise field_error("bank_reserved_phone", str(error)) from None
    return KycRequest(
        real_name=name,
        id_number=resident.number,
        bank_card_number=card,
        bank_reserved_phone=phone,
        address_code_known=resident.address_code_known,
    )


async def _ask_provider(provider: IdentityProvider, request: KycRequest) -> None:
    try:
        verdict = await asyncio.wait_for(provider.verify(request), PROVIDER_TIMEOUT_SECONDS)
    except TimeoutError:
        raise ServiceUnavailable(
            "identity.provider_unavailable", "the identity provider did not answer; try again later"
        ) from None
    if not verdict.matched:
        field = verdict.field or "real_name"
        raise InvalidInput(
            "identity.kyc_mismatch",
            f"{field}: {verdict.reason or 'not verified'}",
            errors=[{"field": field, "message": verdict.reason or "not verified"}],
        )


async def add_bank_card(
    session: AsyncSession,
    *,
    user_id: int,
    card_number: str,
    reserved_phone: str | None,
    now: datetime,
) -> BankCard:
    """Bind a (validated) card to a user; binding the same card again returns the existing one."""
    index = crypto.blind_index(card_number, purpose=BANK_CARD_PURPOSE)
    existing = await session.scalar(
        select(BankCard).where(BankCard.user_id == user_id, BankCard.card_number_index == index)
    )
    if existing is not None:
        return existing
    card = BankCard(
        user_id=user_id,
        card_number=card_number,
        card_number_index=index,
        card_number_masked=mask_bank_card(card_number) or "",
        bank_name=identifiers.bank_name_for(card_number),
        reserved_phone=reserved_phone,
        status="active",
        created_at=now,
    )
    session.add(card)
    await session.flush()
    await audit_service.record(
        session,
        action="identity.bank_card_bound",
        target_type="user",
        target_id=user_id,
        now=now,
        summary={"card_id": card.id, "card": card.card_number_masked},
    )
    return card


async def _apply(
    session: AsyncSession, *, user_id: int, request: KycRequest, now: datetime
) -> dict[str, Any]:
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise NotFound("identity.user_not_found", "no such user")
    index = crypto.blind_index(request.id_number, purpose=ID_NUMBER_PURPOSE)
    if user.kyc_status == KYC_VERIFIED:
        raise Conflict(
            "identity.kyc_already_verified",
            "this account is already verified; its identity cannot change",
        )
    taken = await session.scalar(select(User.id).where(User.id_number_index == index))
    if taken is not None and taken != user_id:
        raise Conflict(
            "identity.id_number_taken",
            "this ID number is verified on another account",
            errors=[{"field": "id_number", "message": "already verified elsewhere"}],
        )
    user.real_name, user.id_number, user.id_number_index = (
        request.real_name,
        request.id_number,
        index,
    )
    user.kyc_status, user.kyc_verified_at, user.updated_at = KYC_VERIFIED, now, now
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(
            "identity.id_number_taken",
            "this ID number is verified on another account",
            errors=[{"field": "id_number", "message": "already verified elsewhere"}],
        ) from None
    card_id = None
    if request.bank_card_number:
        card = await add_bank_card(
            session,
            user_id=user_id,
            card_number=request.bank_card_number,
            reserved_phone=request.bank_reserved_phone,
            now=now,
        )
        card_id = card.id
    # The ledger owns the wallet; opening it here, not only in the event's handler, leaves no
    # moment in which the user is verified but has no wallet (orders would answer 403).
    await ledger_service.open_customer_wallet(session, user_id=user_id, now=now)
    await events_service.record(
        session,
        KycVerified(user_id=user_id, bank_card_id=card_id,
                    address_code_known=request.address_code_known),
        target_type="user",
        target_id=user_id,
        now=now,
        summary={
            "id_number": mask_id_number(request.id_number),
            "bank_card_id": card_id,
            "address_code_known": request.address_code_known,
        },
    )
    return {
        "kyc_status": KYC_VERIFIED,
        "real_name": mask_name(request.real_name),
        "id_number": mask_id_number(request.id_number),
        "bank_card_id": card_id,
    }


async def verify(
    db: Database,
    *,
    user_id: int,
    real_name: str,
    id_number: str,
    bank_card_number: str | None,
    bank_reserved_phone: str | None,
    now: datetime,
    minimum_age_years: int,
    provider: IdentityProvider,
) -> dict[str, Any]:
    """Verify a user's real name; on success the fund account opens in the same transaction.

    Returns the masked result. Raises ``InvalidInput`` (field named: bad checksum, date,
    under age, card; ``identity.kyc_mismatch`` from the provider), ``Conflict``
    (``identity.id_number_taken``, ``identity.kyc_already_verified``),
    ``ServiceUnavailable('identity.provider_unavailable')``.
    """
    request = validate(
        real_name=real_name,
        id_number=id_number,
        bank_card_number=bank_card_number,
        bank_reserved_phone=bank_reserved_phone,
        now=now,
        minimum_age_years=minimum_age_years,
    )
    async with db.transaction(readonly=True) as session:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("identity.user_not_found", "no such user")
        if user.kyc_status == KYC_VERIFIED:
            raise Conflict(
                "identity.kyc_already_verified",
                "this account is already verified; its identity cannot change",
            )
    await _ask_provider(provider, request)

    async def work(session: AsyncSession) -> dict[str, Any]:
        return await _apply(session, user_id=user_id, request=request, now=now)

    return await db.run(work)
