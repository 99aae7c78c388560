"""API shapes of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditRecordOut(BaseModel):
    """A record; ``sequence``, ``previous_hash`` and ``record_hash`` are null until sealed."""

    id: int
    sequence: int | None
    actor_id: int | None
    action: str
    target_type: str
    target_id: str | None
    summary: dict[str, Any]
    request_id: str | None
    ip: str | None
    created_at: datetime
    previous_hash: str | None
    record_hash: str | None
    content_hash: str


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    next_cursor: str | None = None


class ChainReportOut(BaseModel):
    ok: bool
    records: int
    head_sequence: int
    head_hash: str
    first_broken_sequence: int | None
    problem: str | None
    unsealed: int
    first_broken_id: int | None
