"""Read-only questions other packages may ask about users (import as a module)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from finplat.core.db import Database
from finplat.core.errors import NotFound
from finplat.core.masking import mask_name
from finplat.identity.models import KYC_VERIFIED, BankCard, Institution, User, UserRole


@dataclass(frozen=True)
class BankCardView:
    """A bound bank card. ``card_number`` is the full number, for payment channels only; show
    ``card_number_masked`` to people."""

    id: int
    user_id: int
    card_number: str
    card_number_masked: str
    bank_name: str | None
    created_at: datetime


@dataclass(frozen=True)
class UserSummary:
    user_id: int
    status: str
    roles: frozenset[str]
    kyc_verified: bool
    institution_id: int | None
    risk_level: str | None


async def any_user_exists(session: AsyncSession) -> bool:
    return (await session.scalar(select(User.id).limit(1))) is not None


async def roles_of(session: AsyncSession, user_id: int) -> frozenset[str]:
    rows = await session.scalars(select(UserRole.role).where(UserRole.user_id == user_id))
    return frozenset(rows)


async def user_summary(session: AsyncSession, user_id: int, *, now: datetime) -> UserSummary:
    """Raises ``NotFound('identity.user_not_found')``."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("identity.user_not_found", "no such user")
    return UserSummary(
        user_id=user.id,
        status=user.status,
        roles=await roles_of(session, user.id),
        kyc_verified=user.kyc_status == KYC_VERIFIED,
        institution_id=user.institution_id,
        risk_level=current_risk_level(user, now=now),
    )


def current_risk_level(user: User, *, now: datetime) -> str | None:
    """The user's risk tolerance level (C1..C5) while the assessment is valid, else None."""
    if user.risk_level is None:
        return None
    if user.risk_level_expires_at is not None and user.risk_level_expires_at <= now:
        return None
    return user.risk_level


def _view(card: BankCard) -> BankCardView:
    return BankCardView(
        id=card.id,
        user_id=card.user_id,
        card_number=card.card_number,
        card_number_masked=card.card_number_masked,
        bank_name=card.bank_name,
        created_at=card.created_at,
    )


async def bank_cards(session: AsyncSession, user_id: int) -> list[BankCardView]:
    """The user's active bank cards, oldest first."""
    rows = await session.scalars(
        select(BankCard)
        .where(BankCard.user_id == user_id, BankCard.status == "active")
        .order_by(BankCard.id)
    )
    return [_view(card) for card in rows]


async def get_bank_card(session: AsyncSession, user_id: int, card_id: int) -> BankCardView:
    """One of the user's active cards. Raises ``NotFound('identity.bank_card_not_found')`` also
    when the card belongs to someone else."""
    card = await session.scalar(
        select(BankCard).where(
            BankCard.id == card_id, BankCard.user_id == user_id, BankCard.status == "active"
        )
    )
    if card is None:
        raise NotFound("identity.bank_card_not_found", "no such bank card")
    return _view(card)


def _card_out(card: BankCardView) -> dict[str, Any]:
    return {"id": card.id, "card_number_masked": card.card_number_masked,
            "bank_name": card.bank_name, "created_at": card.created_at.isoformat()}


async def bank_cards_of(db: Database, *, user_id: int) -> list[dict[str, Any]]:
    """``bank_cards`` in one read transaction, as ``/me/bank-cards`` lists them."""
    async with db.transaction(readonly=True) as session:
        return [_card_out(card) for card in await bank_cards(session, user_id)]


async def bank_card_of(db: Database, *, user_id: int, card_id: int) -> dict[str, Any]:
    """``get_bank_card`` in one read transaction. Raises ``NotFound``."""
    async with db.transaction(readonly=True) as session:
        return _card_out(await get_bank_card(session, user_id, card_id))


# Built once (values as parameters): on every withdrawal.
_OLDEST_ACTIVE_CARD = (
    select(BankCard.id)
    .where(BankCard.user_id == bindparam("c_user_id"), BankCard.status == "active")
    .order_by(BankCard.id).limit(1)
)
_ACTIVE_CARD = _OLDEST_ACTIVE_CARD.where(BankCard.id == bindparam("c_card_id"))


async def active_card_id(session: AsyncSession, user_id: int, card_id: int | None) -> int | None:
    """``card_id`` when it is one of the user's active cards, or without a choice the user's
    oldest active card (None when there is none): one statement, no card data decrypted. Raises
    ``NotFound('identity.bank_card_not_found')`` for a chosen card that is not the user's."""
    if card_id is None:
        found = await session.scalar(_OLDEST_ACTIVE_CARD, {"c_user_id": user_id})
    else:
        found = await session.scalar(_ACTIVE_CARD, {"c_user_id": user_id, "c_card_id": card_id})
    if found is None and card_id is not None:
        raise NotFound("identity.bank_card_not_found", "no such bank card")
    return found


async def identity_index_of(session: AsyncSession, user_id: int) -> str | None:
    """The keyed blind index of the user's verified ID number, or None before verification.

    One natural person has one, whatever logins they hold: the key for per-person limits (such
    as one promotional claim per identity).
    """
    return await session.scalar(
        select(User.id_number_index).where(User.id == user_id, User.kyc_status == KYC_VERIFIED)
    )


async def card_fingerprint(session: AsyncSession, bank_card_id: int) -> str | None:
    """The keyed blind index of a bound card's number (the same for every user binding that
    card), or None for no such card: what risk monitoring links users by."""
    return await session.scalar(select(BankCard.card_number_index).where(
        BankCard.id == bank_card_id))


async def verified_people(session: AsyncSession,
                          user_ids: Collection[int]) -> dict[int, tuple[str, str]]:
    """``user_id -> (real name, ID number)``, decrypted, for the verified ones among
    ``user_ids``: for watch-list screening and the reports a regulator receives. The caller
    audits what it does with them."""
    if not user_ids:
        return {}
    rows = (await session.execute(select(User.id, User.real_name, User.id_number).where(
        User.id.in_(set(user_ids)), User.kyc_status == KYC_VERIFIED))).all()
    return {row.id: (row.real_name or "", row.id_number or "") for row in rows}


@dataclass(frozen=True)
class PartyIdentity:
    """Who a party to a contract is (lending): the verified name and ID number (C2: decrypted
    for the credit bureau and masked before anyone sees them), and the institution a company
    borrower applies for."""

    user_id: int
    real_name: str | None
    id_number: str | None
    institution_id: int | None
    institution_name: str | None
    uscc: str | None

    @property
    def masked_name(self) -> str | None:
        return mask_name(self.real_name)


async def party_identity(session: AsyncSession, user_id: int) -> PartyIdentity:
    """Raises ``NotFound('identity.user_not_found')``."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("identity.user_not_found", "no such user")
    institution = (
        None if user.institution_id is None
        else await session.get(Institution, user.institution_id)
    )
    verified = user.kyc_status == KYC_VERIFIED
    return PartyIdentity(
        user_id=user.id,
        real_name=user.real_name if verified else None,
        id_number=user.id_number if verified else None,
        institution_id=user.institution_id,
        institution_name=None if institution is None else institution.name,
        uscc=None if institution is None else institution.uscc,
    )


async def masked_names(session: AsyncSession, user_ids: list[int]) -> dict[int, str | None]:
    """The masked real names (``张*``) of verified users, by id."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(User.id, User.real_name, User.kyc_status).where(User.id.in_(sorted(set(user_ids))))
    )
    return {row.id: mask_name(row.real_name) if row.kyc_status == KYC_VERIFIED else None
            for row in rows}


async def institution_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Institution.id, Institution.name).where(Institution.id.in_(sorted(set(ids))))
    )
    return {row.id: row.name for row in rows}
