"""ledger: the set-based batch function goes (bulk work is written once, in ledger/bulk.py)

Revision ID: 0012
Revises: 0009
"""
import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0012"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ``ledger_write_batch`` (0003) served ``transfer_many``, which had no production caller;
    # raise settlement, accrual and payout now use ``ledger.bulk``, the same on every backend.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_write_batch")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The function as 0003 created it, from that revision's own text.
        spec = importlib.util.spec_from_file_location(
            "finplat_migration_0003", Path(__file__).with_name("0003_ledger.py"))
        assert spec is not None and spec.loader is not None
        ledger = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ledger)
        ledger._execute_script(ledger._WRITE_BATCH_FUNCTION)
