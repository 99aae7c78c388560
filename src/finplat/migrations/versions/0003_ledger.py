"""ledger tables

Revision ID: 0003
Revises: 0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import finplat.core.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Checked once per transaction at COMMIT, after every posting of every entry is in: the legs of
# each entry touched by the transaction must sum to zero (debits = credits).
_BALANCED_TRIGGER = """
CREATE FUNCTION ledger_entry_must_balance() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$;
CREATE CONSTRAINT TRIGGER ledger_posting_balanced
    AFTER INSERT OR UPDATE ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_must_balance();
"""

# Postings and entries are history: on PostgreSQL they cannot be changed once written.
_IMMUTABLE_TRIGGER = """
CREATE FUNCTION ledger_history_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = '55000';
END
$$;
CREATE TRIGGER ledger_posting_immutable BEFORE UPDATE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_history_is_immutable();
CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_history_is_immutable();
"""

# The whole write path of one entry in one round trip (see finplat.ledger.posting): lock the
# running-balance accounts in the given (ascending id) order, check status, currency and limits
# under the locks, then insert the entry, update the totals and insert the postings with each
# account's balance and version after the leg. A refusal writes nothing and is returned as
# ``error_code`` (not raised), so the caller's transaction stays usable.
_WRITE_ENTRY_FUNCTION = """
CREATE FUNCTION ledger_write_entry(
    p_source_type text, p_source_id text, p_code text, p_entry_type text, p_hold_id bigint,
    p_reverses_entry_id bigint, p_reference text, p_metadata jsonb, p_now timestamptz,
    p_pending boolean, p_allow_frozen boolean, p_currency text,
    p_accounts bigint[], p_debits_posted bigint[], p_credits_posted bigint[],
    p_debits_pending bigint[], p_credits_pending bigint[],
    p_leg_accounts bigint[], p_leg_directions text[], p_leg_amounts bigint[],
    OUT entry_id bigint, OUT error_code text, OUT error_account bigint)
LANGUAGE plpgsql AS $$
DECLARE
    n int := coalesce(array_length(p_accounts, 1), 0);
    legs int := coalesce(array_length(p_leg_accounts, 1), 0);
    a ledger_account%ROWTYPE;
    tracked boolean[];
    normal text[];
    run_debits bigint[];
    run_credits bigint[];
    versions bigint[];
    i int;
    j int;
BEGIN
    FOR i IN 1..n LOOP
        SELECT * INTO a FROM ledger_account WHERE id = p_accounts[i];
        IF NOT FOUND THEN
            error_code := 'not_found'; error_account := p_accounts[i]; RETURN;
        END IF;
        IF a.tracks_balance THEN
            SELECT * INTO a FROM ledger_account WHERE id = p_accounts[i] FOR UPDATE;
        END IF;
        error_account := a.id;
        IF p_currency IS NOT NULL AND a.currency <> p_currency THEN
            error_code := 'currency'; RETURN;
        END IF;
        IF a.status = 'closed' THEN
            error_code := 'closed'; RETURN;
        END IF;
        IF a.status = 'frozen' AND NOT p_allow_frozen THEN
            error_code := 'frozen'; RETURN;
        END IF;
        IF a.tracks_balance AND (
            (a.debits_must_not_exceed_credits
             AND a.debits_posted + a.debits_pending + p_debits_posted[i] + p_debits_pending[i]
                 > a.credits_posted + p_credits_posted[i])
            OR (a.credits_must_not_exceed_debits
             AND a.credits_posted + a.credits_pending + p_credits_posted[i] + p_credits_pending[i]
                 > a.debits_posted + p_debits_posted[i])) THEN
            error_code := 'insufficient'; RETURN;
        END IF;
        tracked[i] := a.tracks_balance;
        normal[i] := a.normal_balance;
        run_debits[i] := a.debits_posted;
        run_credits[i] := a.credits_posted;
        versions[i] := a.version + 1;
    END LOOP;
    error_account := NULL;
    INSERT INTO ledger_entry (source_type, source_id, code, entry_type, hold_id,
                              reverses_entry_id, reference, metadata, created_at)
    VALUES (p_source_type, p_source_id, p_code, p_entry_type, p_hold_id, p_reverses_entry_id,
            p_reference, p_metadata, p_now)
    RETURNING id INTO entry_id;
    FOR i IN 1..n LOOP
        IF tracked[i] THEN
            UPDATE ledger_account
               SET debits_posted = debits_posted + p_debits_posted[i],
                   credits_posted = credits_posted + p_credits_posted[i],
                   debits_pending = debits_pending + p_debits_pending[i],
                   credits_pending = credits_pending + p_credits_pending[i],
                   version = version + 1, updated_at = p_now
             WHERE id = p_accounts[i];
        END IF;
    END LOOP;
    FOR i IN 1..legs LOOP
        j := array_position(p_accounts, p_leg_accounts[i]);
        IF tracked[j] THEN
            IF NOT p_pending THEN
                IF p_leg_directions[i] = 'debit' THEN
                    run_debits[j] := run_debits[j] + p_leg_amounts[i];
                ELSE
                    run_credits[j] := run_credits[j] + p_leg_amounts[i];
                END IF;
            END IF;
            INSERT INTO ledger_posting (entry_id, account_id, direction, amount_minor, pending,
                                        balance_after_minor, account_version, created_at)
            VALUES (entry_id, p_leg_accounts[i], p_leg_directions[i], p_leg_amounts[i], p_pending,
                    CASE WHEN normal[j] = 'credit' THEN run_credits[j] - run_debits[j]
                         ELSE run_debits[j] - run_credits[j] END,
                    versions[j], p_now);
        ELSE
            INSERT INTO ledger_posting (entry_id, account_id, direction, amount_minor, pending,
                                        balance_after_minor, account_version, created_at)
            VALUES (entry_id, p_leg_accounts[i], p_leg_directions[i], p_leg_amounts[i], p_pending,
                    NULL, NULL, p_now);
        END IF;
    END LOOP;
END
$$;
"""

# ``transfer_many`` in one round trip: two-leg transfers given as parallel arrays, the net
# movement per account as sorted arrays. Refusals write nothing and come back as a code.
_WRITE_BATCH_FUNCTION = """
CREATE FUNCTION ledger_write_batch(
    p_now timestamptz, p_currency text, p_source_types text[], p_source_ids text[],
    p_codes text[], p_references text[], p_metadata jsonb[], p_debit_accounts bigint[],
    p_credit_accounts bigint[], p_amounts bigint[], p_accounts bigint[], p_debits bigint[],
    p_credits bigint[],
    OUT entry_ids bigint[], OUT error_code text, OUT error_account bigint)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT v.id INTO error_account FROM unnest(p_accounts) AS v(id)
     WHERE NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = v.id) LIMIT 1;
    IF error_account IS NOT NULL THEN
        error_code := 'not_found'; RETURN;
    END IF;
    PERFORM 1 FROM ledger_account
      WHERE id = ANY(p_accounts) AND tracks_balance ORDER BY id FOR UPDATE;
    SELECT a.id, CASE WHEN a.currency <> p_currency THEN 'currency'
                      WHEN a.status = 'closed' THEN 'closed'
                      WHEN a.status = 'frozen' THEN 'frozen'
                      ELSE 'insufficient' END
      INTO error_account, error_code
      FROM unnest(p_accounts, p_debits, p_credits) AS v(id, debits, credits)
      JOIN ledger_account a ON a.id = v.id
     WHERE a.currency <> p_currency OR a.status <> 'open'
        OR (a.tracks_balance AND (
            (a.debits_must_not_exceed_credits
             AND a.debits_posted + a.debits_pending + v.debits > a.credits_posted + v.credits)
         OR (a.credits_must_not_exceed_debits
             AND a.credits_posted + a.credits_pending + v.credits > a.debits_posted + v.debits)))
     ORDER BY a.id LIMIT 1;
    IF error_code IS NOT NULL THEN
        RETURN;
    END IF;
    error_account := NULL;
    INSERT INTO ledger_entry (source_type, source_id, code, entry_type, reference, metadata,
                              created_at)
    SELECT t.source_type, t.source_id, t.code, 'transfer', t.reference, t.metadata, p_now
      FROM unnest(p_source_types, p_source_ids, p_codes, p_references, p_metadata)
           WITH ORDINALITY AS t(source_type, source_id, code, reference, metadata, n)
     ORDER BY t.n;
    SELECT array_agg(e.id ORDER BY t.n) INTO entry_ids
      FROM unnest(p_source_types, p_source_ids) WITH ORDINALITY AS t(source_type, source_id, n)
      JOIN ledger_entry e ON e.source_type = t.source_type AND e.source_id = t.source_id;
    UPDATE ledger_account a
       SET debits_posted = a.debits_posted + v.debits,
           credits_posted = a.credits_posted + v.credits,
           version = a.version + 1, updated_at = p_now
      FROM unnest(p_accounts, p_debits, p_credits) AS v(id, debits, credits)
     WHERE a.id = v.id AND a.tracks_balance;
    INSERT INTO ledger_posting (entry_id, account_id, direction, amount_minor, pending,
                                balance_after_minor, account_version, created_at)
    SELECT entry_ids[l.n], l.account_id, l.direction, l.amount, false,
           CASE WHEN a.tracks_balance THEN
               (CASE WHEN a.normal_balance = 'credit' THEN a.credits_posted - a.debits_posted
                     ELSE a.debits_posted - a.credits_posted END)
               - coalesce(sum(CASE WHEN (l.direction = 'credit') = (a.normal_balance = 'credit')
                                   THEN l.amount ELSE -l.amount END) OVER later, 0)
           END,
           CASE WHEN a.tracks_balance THEN a.version END, p_now
      FROM (SELECT t.n, x.leg, x.account_id, x.direction, t.amount
              FROM unnest(p_debit_accounts, p_credit_accounts, p_amounts)
                   WITH ORDINALITY AS t(debit_account, credit_account, amount, n)
             CROSS JOIN LATERAL (VALUES (0, t.debit_account, 'debit'),
                                        (1, t.credit_account, 'credit'))
                   AS x(leg, account_id, direction)) AS l
      JOIN ledger_account a ON a.id = l.account_id
    WINDOW later AS (PARTITION BY l.account_id ORDER BY l.n DESC, l.leg DESC
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
     ORDER BY l.n, l.leg;
END
$$;
"""


def _execute_script(script: str) -> None:
    # asyncpg runs one statement per execute; function bodies contain semicolons, so split on
    # the blank-line-free statement boundaries by hand.
    for statement in _statements(script):
        op.execute(statement)


def _statements(script: str) -> list[str]:
    statements, current, in_body = [], [], False
    for line in script.strip().splitlines():
        current.append(line)
        if "$$" in line:
            in_body = not in_body if line.count("$$") == 1 else in_body
        if line.rstrip().endswith(";") and not in_body:
            statements.append("\n".join(current))
            current = []
    return statements


def upgrade() -> None:
    op.create_table('ledger_account',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('normal_balance', sa.String(length=6), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('owner_user_id', sa.BigInteger(), nullable=True),
    sa.Column('debits_must_not_exceed_credits', sa.Boolean(), nullable=False),
    sa.Column('credits_must_not_exceed_debits', sa.Boolean(), nullable=False),
    sa.Column('tracks_balance', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('debits_posted', sa.BigInteger(), nullable=False),
    sa.Column('credits_posted', sa.BigInteger(), nullable=False),
    sa.Column('debits_pending', sa.BigInteger(), nullable=False),
    sa.Column('credits_pending', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("normal_balance IN ('debit', 'credit')", name=op.f('ck_ledger_account_normal_balance')),
    sa.CheckConstraint("status IN ('open', 'frozen', 'closed')", name=op.f('ck_ledger_account_status')),
    sa.CheckConstraint('NOT credits_must_not_exceed_debits OR credits_posted + credits_pending <= debits_posted', name=op.f('ck_ledger_account_credits_within_debits')),
    sa.CheckConstraint('NOT debits_must_not_exceed_credits OR debits_posted + debits_pending <= credits_posted', name=op.f('ck_ledger_account_debits_within_credits')),
    sa.CheckConstraint('debits_posted >= 0 AND credits_posted >= 0 AND debits_pending >= 0 AND credits_pending >= 0', name=op.f('ck_ledger_account_totals_non_negative')),
    sa.CheckConstraint('tracks_balance OR NOT (debits_must_not_exceed_credits OR credits_must_not_exceed_debits)', name=op.f('ck_ledger_account_limits_need_balance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_account')),
    sa.UniqueConstraint('kind', 'reference', name=op.f('uq_ledger_account_kind_reference'))
    )
    with op.batch_alter_table('ledger_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_account_owner_user_id'), ['owner_user_id'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source_type', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('entry_type', sa.String(length=16), nullable=False),
    sa.Column('hold_id', sa.BigInteger(), nullable=True),
    sa.Column('reverses_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reference', sa.String(length=128), nullable=True),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("entry_type IN ('transfer', 'hold', 'hold_post', 'hold_void', 'hold_expire', 'reversal')", name=op.f('ck_ledger_entry_entry_type')),
    sa.ForeignKeyConstraint(['reverses_entry_id'], ['ledger_entry.id'], name=op.f('fk_ledger_entry_reverses_entry_id_ledger_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry')),
    sa.UniqueConstraint('reverses_entry_id', name=op.f('uq_ledger_entry_reverses_entry_id')),
    sa.UniqueConstraint('source_type', 'source_id', name=op.f('uq_ledger_entry_source_type_source_id'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entry_hold_id'), ['hold_id'], unique=False)

    op.create_table('ledger_hold',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('debit_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('credit_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('posted_minor', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('expires_at', finplat.core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', finplat.core.models.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'posted', 'voided', 'expired')", name=op.f('ck_ledger_hold_status')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_ledger_hold_amount_positive')),
    sa.CheckConstraint('posted_minor >= 0 AND posted_minor <= amount_minor', name=op.f('ck_ledger_hold_posted_within')),
    sa.ForeignKeyConstraint(['credit_account_id'], ['ledger_account.id'], name=op.f('fk_ledger_hold_credit_account_id_ledger_account')),
    sa.ForeignKeyConstraint(['debit_account_id'], ['ledger_account.id'], name=op.f('fk_ledger_hold_debit_account_id_ledger_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entry.id'], name=op.f('fk_ledger_hold_entry_id_ledger_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_hold')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_ledger_hold_entry_id'))
    )
    with op.batch_alter_table('ledger_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_hold_debit_account_id'), ['debit_account_id'], unique=False)
        batch_op.create_index('ix_ledger_hold_status_expires_at', ['status', 'expires_at'], unique=False)

    op.create_table('ledger_posting',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('balance_after_minor', sa.BigInteger(), nullable=True),
    sa.Column('account_version', sa.BigInteger(), nullable=True),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('debit', 'credit')", name=op.f('ck_ledger_posting_direction')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_ledger_posting_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_account.id'], name=op.f('fk_ledger_posting_account_id_ledger_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entry.id'], name=op.f('fk_ledger_posting_entry_id_ledger_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_posting'))
    )
    with op.batch_alter_table('ledger_posting', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_posting_account_id_id', ['account_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_posting_entry_id'), ['entry_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _execute_script(_BALANCED_TRIGGER)
        _execute_script(_IMMUTABLE_TRIGGER)
        _execute_script(_WRITE_ENTRY_FUNCTION)
        _execute_script(_WRITE_BATCH_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_entry")
        op.execute("DROP TRIGGER IF EXISTS ledger_posting_immutable ON ledger_posting")
        op.execute("DROP TRIGGER IF EXISTS ledger_posting_balanced ON ledger_posting")
        op.execute("DROP FUNCTION IF EXISTS ledger_history_is_immutable()")
        op.execute("DROP FUNCTION IF EXISTS ledger_entry_must_balance()")
        op.execute("DROP FUNCTION IF EXISTS ledger_write_entry")
        op.execute("DROP FUNCTION IF EXISTS ledger_write_batch")
    with op.batch_alter_table('ledger_posting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_posting_entry_id'))
        batch_op.drop_index('ix_ledger_posting_account_id_id')

    op.drop_table('ledger_posting')
    with op.batch_alter_table('ledger_hold', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_hold_status_expires_at')
        batch_op.drop_index(batch_op.f('ix_ledger_hold_debit_account_id'))

    op.drop_table('ledger_hold')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_hold_id'))

    op.drop_table('ledger_entry')
    with op.batch_alter_table('ledger_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_account_owner_user_id'))

    op.drop_table('ledger_account')
