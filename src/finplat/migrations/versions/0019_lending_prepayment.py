"""lending: the prepayment fee as a loan-product term, copied to each loan at approval

Revision ID: 0019
Revises: 0018
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("lending_product", "lending_loan"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("prepayment_fee_rate_bps", sa.Integer(), nullable=False,
                                       server_default="0"))


def downgrade() -> None:
    for table in ("lending_loan", "lending_product"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("prepayment_fee_rate_bps")
