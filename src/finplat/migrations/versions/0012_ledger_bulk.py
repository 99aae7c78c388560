"""ledger: bulk entries checked once per entry at commit; the set-based batch function goes

Revision ID: 0012
Revises: 0011
"""
import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The deferred balance check (0003) runs once per posting row at COMMIT and sums every posting of
# the row's entry: k² work for an entry of k postings (a payout chunk crediting 500 wallets took
# 150 ms to commit). Row events fire in insertion order once every posting is in, so a posting
# whose entry the previous event of this transaction already proved balanced is skipped; an
# entry whose postings are not consecutive is simply checked again.
_CHECK_ONCE = """
CREATE OR REPLACE FUNCTION ledger_entry_must_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    net bigint;
BEGIN
    IF current_setting('finplat.ledger_balanced_entry', true) = NEW.entry_id::text THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(SUM(CASE WHEN direction = 'debit' THEN amount_minor ELSE -amount_minor END), 0)
      INTO net FROM ledger_posting WHERE entry_id = NEW.entry_id;
    IF net <> 0 THEN
        RAISE EXCEPTION 'ledger entry % is unbalanced by % fen', NEW.entry_id, net
            USING ERRCODE = '23514';
    END IF;
    PERFORM set_config('finplat.ledger_balanced_entry', NEW.entry_id::text, true);
    RETURN NULL;
END
$$
"""

_CHECK_EVERY_ROW = """
CREATE OR REPLACE FUNCTION ledger_entry_must_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    net bigint;
BEGIN
    SELECT COALESCE(SUM(CASE WHEN direction = 'debit' THEN amount_minor ELSE -amount_minor END), 0)
      INTO net FROM ledger_posting WHERE entry_id = NEW.entry_id;
    IF net <> 0 THEN
        RAISE EXCEPTION 'ledger entry % is unbalanced by % fen', NEW.entry_id, net
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    # ``ledger_write_batch`` (0003) served ``transfer_many``, which had no production caller;
    # raise settlement, accrual and payout now use ``ledger.bulk``, the same on every backend.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_write_batch")
        op.execute(_CHECK_ONCE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CHECK_EVERY_ROW)
        # The function as 0003 created it, from that revision's own text.
        spec = importlib.util.spec_from_file_location(
            "finplat_migration_0003", Path(__file__).with_name("0003_ledger.py"))
        assert spec is not None and spec.loader is not None
        ledger = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ledger)
        ledger._execute_script(ledger._WRITE_BATCH_FUNCTION)
