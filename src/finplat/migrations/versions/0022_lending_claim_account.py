"""lending: each claim keeps the ledger account it is paid to; what it received is summed from
the receipts when read

Revision ID: 0022
Revises: 0021
"""
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from finplat.core.money import allocate

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
# The received figures were each claim's part of its loan's receipts, as ``pro_rata.received``
# now sums them when read (a repayment no longer updates a row per claim).
_RECEIVED = ("received_principal_minor", "received_interest_minor", "received_penalty_minor")


def upgrade() -> None:
    with op.batch_alter_table("lending_claim") as batch:
        batch.add_column(sa.Column("account_id", sa.BigInteger(), nullable=True))
    dialect = op.get_bind().dialect.name
    op.execute(_INVESTORS_MARIADB if dialect in ("mysql", "mariadb") else _INVESTORS)
    op.execute(_RESERVE)
    with op.batch_alter_table("lending_claim") as batch:
        batch.alter_column("account_id", existing_type=sa.BigInteger(), nullable=False)
        for column in _RECEIVED:
            batch.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("lending_claim") as batch:
        for column in _RECEIVED:
            batch.add_column(sa.Column(column, sa.BigInteger(), nullable=False,
                                       server_default="0"))
        batch.drop_column("account_id")
    _restore_received()


def _restore_received() -> None:
    """Each claim's figures from the receipts, split as they were booked (an investor's claims
    share every receipt but the recoveries; the reserve's claim receives its recoveries)."""
    bind = op.get_bind()
    claims: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for row in bind.execute(sa.text(
            "SELECT id, loan_id, holder_kind, principal_minor FROM lending_claim ORDER BY id")):
        claims[row.loan_id].append((row.id, row.holder_kind, row.principal_minor))
    received: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in bind.execute(sa.text(
            "SELECT loan_id, kind, principal_minor, interest_minor, penalty_minor "
            "FROM lending_receipt ORDER BY id")):
        holders = [c for c in claims[row.loan_id]
                   if (c[1] == "reserve") == (row.kind == "recovery")]
        if not holders or not sum(c[2] for c in holders):
            continue
        weights = [c[2] for c in holders]
        parts = [allocate(amount, weights) for amount in
                 (row.principal_minor, row.interest_minor, row.penalty_minor)]
        for n, claim in enumerate(holders):
            for k in range(3):
                received[claim[0]][k] += parts[k][n]
    update = sa.text("UPDATE lending_claim SET received_principal_minor = :p, "
                     "received_interest_minor = :i, received_penalty_minor = :n WHERE id = :id")
    for claim_id, (p, i, n) in received.items():
        bind.execute(update, {"p": p, "i": i, "n": n, "id": claim_id})
