"""Risk-control tables: monitoring rules (data, versioned), the activity they watch, alerts,
cases, held payouts under review, watch lists and screening results, regulatory reports.

Written only by the risk package. Amounts in fen; instants UTC; business dates Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from finplat.core.models import Base, BigId, EncryptedText, IntPk, JsonType, UtcDateTime


class RiskRule(Base):
    """A monitoring or blocking rule: one built-in evaluator (``kind``) with its parameters.
    Every change bumps ``version`` and keeps the previous state in ``risk_rule_version``."""

    __tablename__ = "risk_rule"

    id: Mapped[IntPk]
    code: Mapped[str] = mapped_column(String(48), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    severity: Mapped[str] = mapped_column(String(8), nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JsonType, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    updated_by: Mapped[int | None] = mapped_column(BigId, nullable=True)


class RiskRuleVersion(Base):
    """Each version a rule has had (what an alert's ``rule_version`` refers to)."""

    __tablename__ = "risk_rule_version"

    id: Mapped[IntPk]
    rule_code: Mapped[str] = mapped_column(String(48), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    severity: Mapped[str] = mapped_column(String(8), nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JsonType, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    changed_by: Mapped[int | None] = mapped_column(BigId, nullable=True)

    __table_args__ = (UniqueConstraint("rule_code", "version"),)


class RiskSnooze(Base):
    """A rule silenced for one customer until an instant (a known, explained pattern)."""

    __tablename__ = "risk_snooze"

    id: Mapped[IntPk]
    rule_code: Mapped[str] = mapped_column(String(48), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, nullable=False)
    until_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)
    created_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("rule_code", "user_id"),)


class RiskActivity(Base):
    """One movement or login seen by monitoring, keyed by the event it came from (a
    redelivered event finds its row and is not evaluated twice)."""

    __tablename__ = "risk_activity"

    id: Mapped[IntPk]
    source: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(BigId, nullable=False)
    # deposit | withdrawal | investment | payout | loan_prepaid | login | login_failed | kyc
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    direction: Mapped[str] = mapped_column(String(4), nullable=False)  # in | out | none
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Who is on the other side: ``bank_card:7``, ``product:3``, ``platform``.
    counterparty: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The business record (``withdrawal:12``): what a report line points at.
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        Index("ix_risk_activity_user_id_occurred_at", "user_id", "occurred_at"),
        Index("ix_risk_activity_business_date_kind", "business_date", "kind"),
    )


class RiskLink(Base):
    """A device or bank card (keyed fingerprints, never the number) seen with a user."""

    __tablename__ = "risk_link"

    id: Mapped[IntPk]
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # device | card
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        UniqueConstraint("kind", "fingerprint", "user_id"),
        Index("ix_risk_link_user_id", "user_id", "kind"),
    )


class RiskAlert(Base):
    """A rule's hit on a customer; a repeat of the same hit (same ``dedup_key``) counts as an
    occurrence of the alert instead of a new one."""

    __tablename__ = "risk_alert"

    id: Mapped[IntPk]
    dedup_key: Mapped[str] = mapped_column(String(160), nullable=False, unique=True)
    rule_code: Mapped[str] = mapped_column(String(48), nullable=False)
    rule_version: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, nullable=False)
    severity: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # open | in_case | closed
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # The top contributing factors, strongest first (``alerts.factors``).
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, nullable=False)
    occurrences: Mapped[int] = mapped_column(Integer, nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    case_id: Mapped[int | None] = mapped_column(BigId, nullable=True)

    __table_args__ = (
        Index("ix_risk_alert_status_id", "status", "id"),
        Index("ix_risk_alert_user_id", "user_id", "id"),
        Index("ix_risk_alert_case_id", "case_id"),
    )


class RiskCase(Base):
    """An investigation: open -> investigating -> closed (false_positive | confirmed), and a
    confirmed case -> reported (its suspicious-transaction report filed)."""

    __tablename__ = "risk_case"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    severity: Mapped[str] = mapped_column(String(8), nullable=False)
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resolution_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (Index("ix_risk_case_status_due_at", "status", "due_at"),)


class RiskCaseNote(Base):
    __tablename__ = "risk_case_note"

    id: Mapped[IntPk]
    case_id: Mapped[int] = mapped_column(BigId, nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(BigId, nullable=False)
    # Investigators write about people: encrypted at rest.
    body: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class RiskReview(Base):
    """A payout a blocking rule stopped: the money stays held until an officer decides, once."""

    __tablename__ = "risk_review"

    id: Mapped[IntPk]
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # withdrawal | ...
    subject_id: Mapped[int] = mapped_column(BigId, nullable=False)
    user_id: Mapped[int] = mapped_column(BigId, nullable=False)
    amount_minor: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    rule_codes: Mapped[list[str]] = mapped_column(JsonType, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # pending|released|refused
    decided_by: Mapped[int | None] = mapped_column(BigId, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decision_note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (
        UniqueConstraint("kind", "subject_id"),
        Index("ix_risk_review_status_id", "status", "id"),
        Index("ix_risk_review_user_id", "user_id", "id"),
    )


class RiskWatchEntry(Base):
    """A name on a watch list (sanctions, PEP, internal): public list data, kept as loaded,
    with its normalised forms for matching."""

    __tablename__ = "risk_watch_entry"

    id: Mapped[IntPk]
    list_name: Mapped[str] = mapped_column(String(32), nullable=False)
    external_id: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    normalized: Mapped[str] = mapped_column(String(200), nullable=False)
    pinyin: Mapped[str] = mapped_column(String(400), nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("list_name", "external_id"),)


class RiskScreening(Base):
    """The latest screening of a customer's verified name against every list."""

    __tablename__ = "risk_screening"

    user_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False)  # clear | hit
    score: Mapped[float] = mapped_column(Float, nullable=False)
    entry_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    screened_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class RiskReport(Base):
    """A generated regulatory report file. It names customers by ID number for the regulator,
    so the file is encrypted at rest like every other copy of that number."""

    __tablename__ = "risk_report"

    id: Mapped[IntPk]
    report_type: Mapped[str] = mapped_column(String(16), nullable=False)
    business_date: Mapped[date] = mapped_column(Date, nullable=False)
    file_format: Mapped[str] = mapped_column(String(8), nullable=False)
    content: Mapped[str] = mapped_column(EncryptedText, nullable=False)
    row_count: Mapped[int] = mapped_column(Integer, nullable=False)
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    generated_by: Mapped[int | None] = mapped_column(BigId, nullable=True)

    __table_args__ = (Index("ix_risk_report_type_date", "report_type", "business_date"),)
