"""registration codes sent before an account exists; consents to the agreements

Revision ID: 0018
Revises: 0017
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import finplat.core.models

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "identity_registration_code",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("destination_index", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", finplat.core.models.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_registration_code")),
    )
    with op.batch_alter_table("identity_registration_code") as batch:
        batch.create_index(batch.f("ix_identity_registration_code_destination_index"),
                           ["destination_index"], unique=False)
    op.create_table(
        "identity_consent",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("consented_at", finplat.core.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["identity_user.id"],
                                name=op.f("fk_identity_consent_user_id_identity_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_consent")),
        sa.UniqueConstraint("user_id", "kind", "version",
                            name=op.f("uq_identity_consent_user_id_kind_version")),
    )
    with op.batch_alter_table("identity_consent") as batch:
        batch.create_index(batch.f("ix_identity_consent_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("identity_consent")
    op.drop_table("identity_registration_code")
