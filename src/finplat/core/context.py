"""Per-request context (request id, client IP, acting user) for logs and the audit trail."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("finplat_request_id", default=None)
client_ip_var: ContextVar[str | None] = ContextVar("finplat_client_ip", default=None)
actor_id_var: ContextVar[int | None] = ContextVar("finplat_actor_id", default=None)
