"""HTTP edge of identity: authentication and the caller's own profile (``/auth``, ``/me``).
Staff administration is in ``admin_router`` and mounted here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from finplat.core import messages
from finplat.core.deps import ClockDep, DbDep, SettingsDep
from finplat.core.fields import MAX_ID
from finplat.identity import (
    admin,
    agreements,
    contacts,
    kyc,
    oauth,
    queries,
    registration,
    sessions,
)
from finplat.identity.admin_router import router as admin_router
from finplat.identity.console_router import router as console_router
from finplat.identity.deps import CurrentUser, _bearer, get_current_user
from finplat.identity.notifier import notifier_for
from finplat.identity.schemas import (
    AgreementOut,
    AgreementsOut,
    BankCardOut,
    BankCardsOut,
    ConfirmContactIn,
    ContactChangeIn,
    ContactChangeOut,
    ContactConfirmIn,
    KycIn,
    KycOut,
    LoginIn,
    OAuthFinishIn,
    OAuthStartOut,
    PasswordChangeIn,
    ProfileOut,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    RegistrationCodeIn,
    RegistrationCodeOut,
    ResendCodeIn,
    TokenPairOut,
)

router = APIRouter(tags=["identity"])
# Not bounded here: an over-long header is read in part, never refused.
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]
# The console's routes first: ``/admin/users/search`` must not be read as a user id.
router.include_router(console_router)
router.include_router(admin_router)


@router.post("/auth/register/code", status_code=202, response_model=RegistrationCodeOut)
async def send_registration_code(
    body: RegistrationCodeIn, request: Request, db: DbDep, clock: ClockDep,
    settings: SettingsDep,
) -> RegistrationCodeOut:
    """Send a six-digit code by SMS (phone) or email, valid for a few minutes; at most one a
    minute to the same contact (409 ``identity.code_sent_recently``). In development, where
    nothing is sent, the answer carries the code."""
    code = await registration.send_code(db, phone=body.phone, email=body.email, now=clock.now(),
                                        settings=settings, notifier=notifier_for(request.app))
    return RegistrationCodeOut(development_code=code)


@router.post("/auth/register", status_code=201, response_model=RegisterOut)
async def register(
    body: RegisterIn, db: DbDep, clock: ClockDep, accept_language: AcceptLanguage = None
) -> RegisterOut:
    """Open an account with the code sent to its phone or email and the acceptance of the
    agreements in force (their versions, as ``GET /agreements`` lists them)."""
    user_id = await registration.register(
        db, phone=body.phone, email=body.email, password=body.password, code=body.code,
        accepted=body.agreements, language=messages.content_language(accept_language),
        now=clock.now(),
    )
    return RegisterOut(user_id=user_id)


@router.get("/agreements", response_model=AgreementsOut)
async def current_agreements(accept_language: AcceptLanguage = None) -> dict[str, Any]:
    """The user agreement and privacy policy in force, in the language of ``Accept-Language``
    (Chinese by default, or English)."""
    language = messages.content_language(accept_language)
    return {"language": language,
            "agreements": [a.as_json() for a in agreements.current(language)]}


@router.get("/agreements/{kind}/{version}", response_model=AgreementOut)
async def agreement(
    kind: Annotated[str, Path(max_length=32)],
    version: Annotated[int, Path(ge=1, le=10_000)],
    accept_language: AcceptLanguage = None,
) -> dict[str, Any]:
    """One published version (also an older one a user accepted); 404
    ``identity.agreement_not_found``."""
    return agreements.load(kind, version, messages.content_language(accept_language)).as_json()


@router.post("/auth/confirm", status_code=204)
async def confirm_contact(body: ConfirmContactIn, db: DbDep, clock: ClockDep) -> Response:
    await contacts.confirm_contact(db, login=body.login, code=body.code, now=clock.now())
    return Response(status_code=204)


# An empty 202 (response_class says so in the OpenAPI too, not a JSON body).
@router.post("/auth/confirm/resend", status_code=202, response_class=Response)
async def resend_code(
    body: ResendCodeIn, request: Request, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    await contacts.resend_confirmation(
        db, login=body.login, now=clock.now(), settings=settings, notifier=notifier_for(request.app)
    )
    return Response(status_code=202)


@router.post("/auth/login", response_model=TokenPairOut)
async def login(body: LoginIn, db: DbDep, clock: ClockDep, settings: SettingsDep) -> TokenPairOut:
    pair = await sessions.login(
        db,
        login=body.login,
        password=body.password,
        totp_code=body.totp_code,
        now=clock.now(),
        settings=settings,
        device_id=body.device_id,
    )
    return TokenPairOut(**pair.body())


@router.post("/auth/refresh", response_model=TokenPairOut)
async def refresh(
    body: RefreshIn, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> TokenPairOut:
    pair = await sessions.refresh(
        db, refresh_token=body.refresh_token, now=clock.now(), settings=settings
    )
    return TokenPairOut(**pair.body())


@router.post("/auth/logout", status_code=204)
async def logout(body: RefreshIn, db: DbDep, clock: ClockDep) -> Response:
    await sessions.logout(db, refresh_token=body.refresh_token, now=clock.now())
    return Response(status_code=204)


# Configured provider names are short identifiers; anything longer cannot be one of them.
ProviderName = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("/auth/oauth/{provider}/start", response_model=OAuthStartOut)
async def oauth_start(
    provider: ProviderName,
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    authorization: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> OAuthStartOut:
    link_user_id = None
    if authorization is not None:
        # A logged-in caller links the provider to their own account.
        link_user_id = (await get_current_user(request, authorization)).user_id
    url, state = await oauth.start(db, settings=settings, provider_name=provider,
                                   link_user_id=link_user_id, now=clock.now())
    return OAuthStartOut(authorization_url=url, state=state)


@router.post("/auth/oauth/{provider}/callback", response_model=TokenPairOut)
async def oauth_finish(
    provider: ProviderName,
    body: OAuthFinishIn,
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TokenPairOut:
    async with oauth.http_client_for(request.app) as client:
        pair = await oauth.finish(
            db,
            provider_name=provider,
            code=body.code,
            state=body.state,
            now=clock.now(),
            settings=settings,
            client=client,
        )
    return TokenPairOut(**pair.body())


@router.get("/me", response_model=ProfileOut)
async def me(user: CurrentUser, db: DbDep, clock: ClockDep) -> ProfileOut:
    return ProfileOut(**await admin.get_user(db, user_id=user.user_id, now=clock.now()))


@router.post("/me/kyc", response_model=KycOut)
async def verify_identity(
    body: KycIn,
    user: CurrentUser,
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> KycOut:
    result = await kyc.verify(
        db,
        user_id=user.user_id,
        real_name=body.real_name,
        id_number=body.id_number,
        bank_card_number=body.bank_card_number,
        bank_reserved_phone=body.bank_reserved_phone,
        now=clock.now(),
        minimum_age_years=settings.minimum_age_years,
        provider=kyc.provider_for(request.app),
    )
    return KycOut(**result)


@router.get("/me/bank-cards", response_model=BankCardsOut)
async def my_bank_cards(user: CurrentUser, db: DbDep) -> BankCardsOut:
    cards = await queries.bank_cards_of(db, user_id=user.user_id)
    return BankCardsOut(items=[BankCardOut(**card) for card in cards])


@router.get("/me/bank-cards/{card_id}", response_model=BankCardOut)
async def my_bank_card(
    card_id: Annotated[int, Path(ge=1, le=MAX_ID)], user: CurrentUser, db: DbDep
) -> BankCardOut:
    return BankCardOut(**await queries.bank_card_of(db, user_id=user.user_id, card_id=card_id))


@router.post("/me/contact", status_code=202, response_model=ContactChangeOut)
async def change_contact(
    body: ContactChangeIn,
    user: CurrentUser,
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> ContactChangeOut:
    channel = await contacts.request_contact_change(
        db,
        user_id=user.user_id,
        phone=body.phone,
        email=body.email,
        now=clock.now(),
        settings=settings,
        notifier=notifier_for(request.app),
    )
    return ContactChangeOut(channel=channel)


@router.post("/me/contact/confirm", response_model=ProfileOut)
async def confirm_contact_change(
    body: ContactConfirmIn, user: CurrentUser, db: DbDep, clock: ClockDep
) -> ProfileOut:
    return ProfileOut(**await contacts.confirm_contact_change(
        db, user_id=user.user_id, channel=body.channel, code=body.code, now=clock.now()
    ))


@router.post("/me/password", response_model=TokenPairOut)
async def change_password(
    body: PasswordChangeIn, user: CurrentUser, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> TokenPairOut:
    """Change the password. Every session ends; the answer is a fresh pair for this client."""
    pair = await sessions.change_password(
        db,
        user_id=user.user_id,
        current_password=body.current_password,
        new_password=body.new_password,
        now=clock.now(),
        settings=settings,
    )
    return TokenPairOut(**pair.body())
