"""one definition of each use case: the funds functions and group commit dropped

Revision ID: 0011
Revises: 0010
"""
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every function of 0007 (group commit) and 0008 (the funds use cases written a second time in
# SQL). What stays on PostgreSQL is the ledger's own write primitives of 0003: the trigger
# functions, ``ledger_write_entry`` (one entry) and ``ledger_write_batch`` (``transfer_many``);
# none of them calls anything dropped here.
_DROPPED = (
    "payment_settle_callback",
    "payment_open_withdrawal",
    "payment_open_deposit",
    "ledger_post_hold",
    "ledger_open_hold",
    "ledger_account_of",
    "ledger_two_leg",
    "audit_append",
    "idempotency_claim",
    "ledger_write_group",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in _DROPPED:
            op.execute(f"DROP FUNCTION IF EXISTS {name}")
    # Never read: a deposit's ledger entry is found by its source (payment_deposit, reference).
    with op.batch_alter_table("payment_deposit") as batch:
        batch.drop_column("ledger_transfer_id")


def _revision(filename: str) -> ModuleType:
    """An earlier revision's module, to run its upgrade again."""
    spec = importlib.util.spec_from_file_location(
        f"finplat_revision_{filename}", Path(__file__).with_name(f"{filename}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    with op.batch_alter_table("payment_deposit") as batch:
        batch.add_column(sa.Column("ledger_transfer_id", sa.String(length=64), nullable=True))
    # The functions as 0007 and 0008 created them (each upgrade does nothing off PostgreSQL).
    _revision("0007_ledger_group").upgrade()
    _revision("0008_funds_paths").upgrade()
