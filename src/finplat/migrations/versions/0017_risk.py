"""risk control: monitoring rules and their versions, snoozes, monitored activity, device and
card links, alerts, cases and notes, payouts held for review, watch lists, screening results,
regulatory reports

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import finplat.core.models

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_activity",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("occurred_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("counterparty", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_activity")),
        sa.UniqueConstraint("source", name=op.f("uq_risk_activity_source")),
    )
    with op.batch_alter_table("risk_activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_risk_activity_business_date_kind", ["business_date", "kind"], unique=False
        )
        batch_op.create_index(
            "ix_risk_activity_user_id_occurred_at", ["user_id", "occurred_at"], unique=False
        )

    op.create_table(
        "risk_alert",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("dedup_key", sa.String(length=160), nullable=False),
        sa.Column("rule_code", sa.String(length=48), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "factors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("first_seen_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_alert")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_risk_alert_dedup_key")),
    )
    with op.batch_alter_table("risk_alert", schema=None) as batch_op:
        batch_op.create_index("ix_risk_alert_case_id", ["case_id"], unique=False)
        batch_op.create_index("ix_risk_alert_status_id", ["status", "id"], unique=False)
        batch_op.create_index("ix_risk_alert_user_id", ["user_id", "id"], unique=False)

    op.create_table(
        "risk_case",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolution_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "assignee_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("opened_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("due_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", finplat.core.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reported_at", finplat.core.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_case")),
    )
    with op.batch_alter_table("risk_case", schema=None) as batch_op:
        batch_op.create_index("ix_risk_case_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "risk_case_note",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("body", finplat.core.models.EncryptedText(), nullable=False),
        sa.Column("created_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_case_note")),
    )
    with op.batch_alter_table("risk_case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_case_note_case_id"), ["case_id"], unique=False)

    op.create_table(
        "risk_link",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("first_seen_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_link")),
        sa.UniqueConstraint(
            "kind", "fingerprint", "user_id", name=op.f("uq_risk_link_kind_fingerprint_user_id")
        ),
    )
    with op.batch_alter_table("risk_link", schema=None) as batch_op:
        batch_op.create_index("ix_risk_link_user_id", ["user_id", "kind"], unique=False)

    op.create_table(
        "risk_report",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("report_type", sa.String(length=16), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("content", finplat.core.models.EncryptedText(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("generated_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "generated_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_report")),
    )
    with op.batch_alter_table("risk_report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_risk_report_type_date", ["report_type", "business_date"], unique=False
        )

    op.create_table(
        "risk_review",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "rule_codes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "decided_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("decided_at", finplat.core.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=True),
        sa.Column("created_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_review")),
        sa.UniqueConstraint("kind", "subject_id", name=op.f("uq_risk_review_kind_subject_id")),
    )
    with op.batch_alter_table("risk_review", schema=None) as batch_op:
        batch_op.create_index("ix_risk_review_status_id", ["status", "id"], unique=False)
        batch_op.create_index("ix_risk_review_user_id", ["user_id", "id"], unique=False)

    op.create_table(
        "risk_rule",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rule")),
        sa.UniqueConstraint("code", name=op.f("uq_risk_rule_code")),
    )
    op.create_table(
        "risk_rule_version",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("rule_code", sa.String(length=48), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column(
            "parameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("changed_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "changed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rule_version")),
        sa.UniqueConstraint(
            "rule_code", "version", name=op.f("uq_risk_rule_version_rule_code_version")
        ),
    )
    op.create_table(
        "risk_screening",
        sa.Column(
            "user_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("screened_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_risk_screening")),
    )
    op.create_table(
        "risk_snooze",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("rule_code", sa.String(length=48), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("until_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_snooze")),
        sa.UniqueConstraint("rule_code", "user_id", name=op.f("uq_risk_snooze_rule_code_user_id")),
    )
    op.create_table(
        "risk_watch_entry",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("list_name", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("normalized", sa.String(length=200), nullable=False),
        sa.Column("pinyin", sa.String(length=400), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("loaded_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_watch_entry")),
        sa.UniqueConstraint(
            "list_name", "external_id", name=op.f("uq_risk_watch_entry_list_name_external_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("risk_watch_entry")
    op.drop_table("risk_snooze")
    op.drop_table("risk_screening")
    op.drop_table("risk_rule_version")
    op.drop_table("risk_rule")
    with op.batch_alter_table("risk_review", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_review_user_id")
        batch_op.drop_index("ix_risk_review_status_id")

    op.drop_table("risk_review")
    with op.batch_alter_table("risk_report", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_report_type_date")

    op.drop_table("risk_report")
    with op.batch_alter_table("risk_link", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_link_user_id")

    op.drop_table("risk_link")
    with op.batch_alter_table("risk_case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_case_note_case_id"))

    op.drop_table("risk_case_note")
    with op.batch_alter_table("risk_case", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_case_status_due_at")

    op.drop_table("risk_case")
    with op.batch_alter_table("risk_alert", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_alert_user_id")
        batch_op.drop_index("ix_risk_alert_status_id")
        batch_op.drop_index("ix_risk_alert_case_id")

    op.drop_table("risk_alert")
    with op.batch_alter_table("risk_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_activity_user_id_occurred_at")
        batch_op.drop_index("ix_risk_activity_business_date_kind")

    op.drop_table("risk_activity")
