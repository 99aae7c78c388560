"""lending origination: a lock row per borrower (outstanding caps), the rendered agreements

Why: the per-borrower outstanding cap sums a borrower's pending applications, listings and
disbursed loans; two concurrent applications must not both pass it, and no existing row stands
for "this borrower" to lock (a company's applications come from several users). The agreement
is stored as rendered so that the text a party reads is the one whose hash was recorded.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

import finplat.core.models

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "lending_borrower",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("borrower_key", sa.String(length=40), nullable=False),
        sa.Column("created_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_borrower")),
        sa.UniqueConstraint("borrower_key", name=op.f("uq_lending_borrower_borrower_key")),
    )
    op.create_table(
        "lending_agreement",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("loan_id", _ID, nullable=False),
        sa.Column("template_version", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("html", sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql"), nullable=False),
        sa.Column("created_at", finplat.core.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["lending_loan.id"],
                                name=op.f("fk_lending_agreement_loan_id_lending_loan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_agreement")),
        sa.UniqueConstraint("loan_id", name=op.f("uq_lending_agreement_loan_id")),
    )


def downgrade() -> None:
    op.drop_table("lending_agreement")
    op.drop_table("lending_borrower")
