"""Who may act on products: institution users and reviewers (FastAPI dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from finplat.core.errors import Forbidden
from finplat.core.fields import MAX_ID
from finplat.identity.deps import Principal, VerifiedUser, require_roles

REVIEWER_ROLES = ("reviewer", "admin")

ProductIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
OrderIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


async def institution_user(user: VerifiedUser) -> Principal:
    """A verified user acting for a linked institution; 403 ``product.institution_required``."""
    if not user.has_any("institution") or user.institution_id is None:
        raise Forbidden(
            "product.institution_required",
            "only a verified user of a linked institution may do this",
        )
    return user


InstitutionUser = Annotated[Principal, Depends(institution_user)]
Reviewer = Annotated[Principal, Depends(require_roles(*REVIEWER_ROLES))]
StaffReader = Annotated[Principal, Depends(require_roles(*REVIEWER_ROLES, "auditor"))]
