"""Staff console endpoints for users, roles, institutions and audited personal-data reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from finplat.core.deps import ClockDep, DbDep, PageDep
from finplat.core.fields import MAX_ID
from finplat.identity import admin
from finplat.identity.deps import Principal, require_roles
from finplat.identity.schemas import (
    AccountIn,
    AccountOut,
    InstitutionIn,
    InstitutionOut,
    PersonalDataIn,
    PersonalDataOut,
    ProfileOut,
    RolesIn,
    RolesOut,
    StatusIn,
    UsersPage,
)

router = APIRouter(prefix="/admin", tags=["identity admin"])

Admin = Annotated[Principal, Depends(require_roles("admin"))]
# Who may look users up (masked) in the console.
UserReader = Annotated[
    Principal, Depends(require_roles("admin", "support", "risk_officer", "reviewer", "auditor"))
]
# Who may see personal data unmasked (each read audited with its reason).
PersonalDataReader = Annotated[
    Principal, Depends(require_roles("admin", "risk_officer", "support"))
]
UserIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
InstitutionIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/users", response_model=UsersPage)
async def list_users(
    staff: UserReader,
    db: DbDep,
    clock: ClockDep,
    page: PageDep,
    role: Annotated[str | None, Query(max_length=32)] = None,
    staff_only: Annotated[bool, Query(alias="staff", description="Only staff roles.")] = False,
    institution_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> UsersPage:
    result = await admin.list_users(db, page=page, role=role, now=clock.now(), staff=staff_only,
                                    institution_id=institution_id)
    return UsersPage(items=[ProfileOut(**item) for item in result.items],
                     next_cursor=result.next_cursor)


@router.post("/users", status_code=201, response_model=AccountOut)
async def create_account(body: AccountIn, staff: Admin, db: DbDep, clock: ClockDep) -> AccountOut:
    created = await admin.create_account_for_login(
        db,
        login=body.login,
        password=body.password,
        roles=body.roles,
        institution_id=body.institution_id,
        now=clock.now(),
        actor_id=staff.user_id,
    )
    return AccountOut(**created)


@router.get("/users/{user_id}", response_model=ProfileOut)
async def get_user(
    user_id: UserIdPath, staff: UserReader, db: DbDep, clock: ClockDep
) -> ProfileOut:
    return ProfileOut(**await admin.get_user(db, user_id=user_id, now=clock.now()))


@router.put("/users/{user_id}/roles", response_model=RolesOut)
async def set_roles(
    user_id: UserIdPath, body: RolesIn, staff: Admin, db: DbDep, clock: ClockDep
) -> RolesOut:
    result = await admin.set_roles(
        db,
        user_id=user_id,
        roles=body.roles,
        institution_id=body.institution_id,
        now=clock.now(),
        actor_id=staff.user_id,
    )
    return RolesOut(**result)


@router.post("/users/{user_id}/status", status_code=204)
async def set_status(
    user_id: UserIdPath, body: StatusIn, staff: Admin, db: DbDep, clock: ClockDep
) -> Response:
    await admin.set_status(
        db,
        user_id=user_id,
        status=body.status,
        reason=body.reason,
        now=clock.now(),
        actor_id=staff.user_id,
    )
    return Response(status_code=204)


@router.post("/users/{user_id}/personal-data", response_model=PersonalDataOut)
async def view_personal_data(
    user_id: UserIdPath, body: PersonalDataIn, staff: PersonalDataReader, db: DbDep, clock: ClockDep
) -> PersonalDataOut:
    """Unmasked personal data. Needs a stated reason; every read is audited."""
    return PersonalDataOut(
        **await admin.view_personal_data(
            db, user_id=user_id, reason=body.reason, now=clock.now(), actor_id=staff.user_id
        )
    )


@router.post("/institutions", status_code=201, response_model=InstitutionOut)
async def create_institution(
    body: InstitutionIn, staff: Admin, db: DbDep, clock: ClockDep
) -> InstitutionOut:
    return InstitutionOut(**await admin.create_institution(
        db, name=body.name, uscc=body.uscc, now=clock.now(), actor_id=staff.user_id
    ))


@router.get("/institutions/{institution_id}", response_model=InstitutionOut)
async def get_institution(
    institution_id: InstitutionIdPath, staff: UserReader, db: DbDep
) -> InstitutionOut:
    return InstitutionOut(**await admin.get_institution(db, institution_id=institution_id))
