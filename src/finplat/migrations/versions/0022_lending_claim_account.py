"""lending: each claim keeps the ledger account its repayments are paid to

Revision ID: 0022
Revises: 0021
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The investor's wallet (an investor's claim) or the risk reserve (a claim it took over): a
# repayment's credits then name the account without looking the wallet up by its reference for
# every posting. Backfilled from the ledger's accounts; like the receipt's entry id, a plain
# number, not a foreign key into the ledger's tables.
_INVESTORS = """
UPDATE lending_claim SET account_id = (
    SELECT a.id FROM ledger_account a
     WHERE a.kind = 'customer_wallet'
       AND a.reference = 'user:' || CAST(lending_claim.user_id AS VARCHAR(20)))
 WHERE holder_kind = 'investor'
"""
_INVESTORS_MARIADB = """
UPDATE lending_claim SET account_id = (
    SELECT a.id FROM ledger_account a
     WHERE a.kind = 'customer_wallet'
       AND a.reference = CONCAT('user:', CAST(lending_claim.user_id AS CHAR)))
 WHERE holder_kind = 'investor'
"""
_RESERVE = """
UPDATE lending_claim SET account_id = (
    SELECT a.id FROM ledger_account a WHERE a.kind = 'risk_reserve' AND a.reference = 'platform')
 WHERE holder_kind = 'reserve'
"""


def upgrade() -> None:
    with op.batch_alter_table("lending_claim") as batch:
        batch.add_column(sa.Column("account_id", sa.BigInteger(), nullable=True))
    dialect = op.get_bind().dialect.name
    op.execute(_INVESTORS_MARIADB if dialect in ("mysql", "mariadb") else _INVESTORS)
    op.execute(_RESERVE)
    with op.batch_alter_table("lending_claim") as batch:
        batch.alter_column("account_id", existing_type=sa.BigInteger(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("lending_claim") as batch:
        batch.drop_column("account_id")
