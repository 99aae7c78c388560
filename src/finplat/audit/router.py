"""``/admin/audit``: the audit log, read-only, for auditors and admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from finplat.audit import queries
from finplat.audit.schemas import AuditPage, AuditRecordOut, ChainReportOut
from finplat.audit.verify import verify_database
from finplat.core.clock import ensure_utc
from finplat.core.deps import ClockDep, DbDep, PageDep
from finplat.core.errors import field_error
from finplat.core.fields import MAX_ID
from finplat.identity.deps import Principal, require_roles

router = APIRouter(prefix="/admin/audit", tags=["audit"])

require_auditor = require_roles("auditor", "admin")
AuditorDep = Annotated[Principal, Depends(require_auditor)]
Name = Annotated[str | None, Query(min_length=1, max_length=64)]


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise field_error(name, "give an instant with its UTC offset")
    try:
        return ensure_utc(value)
    except OverflowError:  # e.g. 0001-01-01T00:00+08:00: valid ISO 8601, no instant in UTC
        raise field_error(name, "must fall within the years 1 to 9999 in UTC") from None


@router.get("", response_model=AuditPage)
async def list_records(
    _auditor: AuditorDep, db: DbDep, page: PageDep,
    action: Name = None,
    action_prefix: Name = None,
    target_type: Name = None,
    target_id: Name = None,
    actor_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    created_from: Annotated[datetime | None, Query(alias="from")] = None,
    created_to: Annotated[datetime | None, Query(alias="to")] = None,
) -> AuditPage:
    """Newest (by id) first, unsealed records included with a null ``sequence``; filter by
    action (or its prefix, like ``ledger.``), target and actor."""
    result = await queries.records_page(
        db, page=page, action=action, action_prefix=action_prefix, target_type=target_type,
        target_id=target_id, actor_id=actor_id, created_from=_aware("from", created_from),
        created_to=_aware("to", created_to))
    return AuditPage(
        items=[AuditRecordOut.model_validate(row, from_attributes=True) for row in result.items],
        next_cursor=result.next_cursor)


@router.get("/verify", response_model=ChainReportOut)
async def verify(_auditor: AuditorDep, db: DbDep, clock: ClockDep) -> ChainReportOut:
    """Recompute the chain and check the unsealed records (what ``finplat audit verify`` does)."""
    report = await verify_database(db, now=clock.now())
    return ChainReportOut(**report.as_dict())
