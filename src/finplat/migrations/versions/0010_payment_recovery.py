"""payment recovery: unfinished orders carry a recovery lease; channel notices are keyed by what
identifies them (an anomalous notice no longer takes the key of the correct one)

Revision ID: 0010
Revises: 0009
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import finplat.core.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("payment_deposit", "payment_withdrawal"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("recovery_due_at",
                                       finplat.core.models.UtcDateTime(timezone=True),
                                       nullable=True))
    # Rows stored before keep a NULL key (NULLs never collide): their orders are final, and a
    # redelivery of what settled an order is recognised on the order itself.
    with op.batch_alter_table("payment_callback") as batch:
        batch.add_column(sa.Column("notice_key", sa.String(length=80), nullable=True))
        batch.drop_constraint("uq_payment_callback_notification", type_="unique")
        batch.create_unique_constraint("uq_payment_callback_notice", ["channel", "notice_key"])


def downgrade() -> None:
    with op.batch_alter_table("payment_callback") as batch:
        batch.drop_constraint("uq_payment_callback_notice", type_="unique")
        batch.create_unique_constraint("uq_payment_callback_notification",
                                       ["channel", "channel_reference", "status", "amount_minor"])
        batch.drop_column("notice_key")
    for table in ("payment_deposit", "payment_withdrawal"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("recovery_due_at")
