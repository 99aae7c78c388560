"""ledger_account and investment_holding leave half of each page free (PostgreSQL storage)

A maturity payout updates every wallet it credits and every holding it pays, and the daily
accrual updates every accruing holding. None of the columns those UPDATEs change is indexed, so
with room on the row's page PostgreSQL writes the new row version there and no index entry (a
HOT update). Measured on a 5,000-holding payout chunk (docs/PERFORMANCE.md, "Bulk ledger
work"): at the default fill factor 100 no update was HOT; at 80 about a quarter of the
wallets'; at 50 all of them, and the wallets' UPDATE took half the time, the holdings' a third.
A storage parameter only: MariaDB and SQLite have no equivalent and skip it. Pages written
before the change fill up as they are rewritten.

Revision ID: 0020
Revises: 0019
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL_FACTOR_PERCENT = 50
_TABLES = ("ledger_account", "investment_holding")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = {FILL_FACTOR_PERCENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
