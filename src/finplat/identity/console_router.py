"""The support console over HTTP: user search, a user's cards and sessions, TOTP reset,
institutions. Mounted by ``identity.router`` under ``/admin``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from finplat.core.deps import ClockDep, DbDep, PageDep
from finplat.core.fields import MAX_ID
from finplat.identity import console
from finplat.identity.deps import Principal, require_roles
from finplat.identity.schemas import (
    InstitutionOut,
    InstitutionsPage,
    ProfileOut,
    ReasonIn,
    SessionOut,
    SessionsOut,
    StaffCardOut,
    StaffCardsOut,
    TotpResetOut,
    UserSearchOut,
    UsersPage,
)

router = APIRouter(prefix="/admin", tags=["identity admin"])

Admin = Annotated[Principal, Depends(require_roles("admin"))]
Support = Annotated[Principal, Depends(require_roles("admin", "support"))]
UserReader = Annotated[
    Principal, Depends(require_roles("admin", "support", "risk_officer", "reviewer", "auditor"))
]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/users/search", response_model=UserSearchOut)
async def search_users(
    staff: Annotated[Principal, Depends(require_roles("admin", "support", "risk_officer"))],
    db: DbDep, clock: ClockDep,
    q: Annotated[str, Query(min_length=1, max_length=254,
                            description="A mobile number, email, ID number, user id or user "
                                        "name; matched exactly through the blind indexes.")],
) -> UserSearchOut:
    """Find a user by an exact key. Each search is audited (the key's kind, not the key)."""
    found = await console.search_users(db, query=q, now=clock.now(), actor_id=staff.user_id)
    return UserSearchOut(items=[ProfileOut(**item) for item in found])


@router.get("/users/{user_id}/bank-cards", response_model=StaffCardsOut)
async def user_cards(user_id: IdPath, _staff: UserReader, db: DbDep) -> StaffCardsOut:
    """The user's active bank cards, masked."""
    cards = await console.user_cards(db, user_id=user_id)
    return StaffCardsOut(items=[StaffCardOut(**card) for card in cards])


@router.get("/users/{user_id}/sessions", response_model=SessionsOut)
async def user_sessions(user_id: IdPath, _staff: Support, db: DbDep,
                        clock: ClockDep) -> SessionsOut:
    """The user's live sessions (one per login that can still refresh)."""
    rows = await console.user_sessions(db, user_id=user_id, now=clock.now())
    return SessionsOut(items=[SessionOut(**row) for row in rows])


@router.post("/users/{user_id}/sessions/revoke", status_code=204)
async def revoke_sessions(user_id: IdPath, body: ReasonIn, staff: Support, db: DbDep,
                          clock: ClockDep) -> Response:
    """End every session of the user (audited with the reason)."""
    await console.revoke_sessions(db, user_id=user_id, reason=body.reason, now=clock.now(),
                                  actor_id=staff.user_id)
    return Response(status_code=204)


@router.post("/users/{user_id}/totp/reset", response_model=TotpResetOut)
async def reset_totp(user_id: IdPath, body: ReasonIn, staff: Admin, db: DbDep,
                     clock: ClockDep) -> TotpResetOut:
    """A new TOTP secret for a staff user, shown once in this answer; the old authenticator
    stops working and the user's sessions end. Audited."""
    return TotpResetOut(**await console.reset_totp(
        db, user_id=user_id, reason=body.reason, now=clock.now(), actor_id=staff.user_id))


@router.get("/institutions", response_model=InstitutionsPage)
async def list_institutions(_staff: UserReader, db: DbDep, page: PageDep) -> InstitutionsPage:
    result = await console.list_institutions(db, page=page)
    return InstitutionsPage(items=[InstitutionOut(**item) for item in result.items],
                            next_cursor=result.next_cursor)


@router.get("/institutions/{institution_id}/users", response_model=UsersPage)
async def institution_users(institution_id: IdPath, _staff: UserReader, db: DbDep,
                            clock: ClockDep, page: PageDep) -> UsersPage:
    """The institution's users (masked), by ascending id."""
    result = await console.institution_users(db, institution_id=institution_id, page=page,
                                                now=clock.now())
    return UsersPage(items=[ProfileOut(**item) for item in result.items],
                     next_cursor=result.next_cursor)
