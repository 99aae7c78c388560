"""notification inbox

Revision ID: 0013
Revises: 0012
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import finplat.core.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_message",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                  nullable=False),
        sa.Column("occurred_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("read_at", finplat.core.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_message")),
        sa.UniqueConstraint("user_id", "source",
                            name=op.f("uq_notification_message_user_id_source")),
    )
    with op.batch_alter_table("notification_message") as batch:
        batch.create_index("ix_notification_message_inbox", ["user_id", "occurred_at", "id"])
        batch.create_index("ix_notification_message_unread", ["user_id", "read_at"])


def downgrade() -> None:
    op.drop_table("notification_message")
