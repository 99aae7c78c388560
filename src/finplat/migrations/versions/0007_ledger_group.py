"""ledger group commit: ledger_write_group

Revision ID: 0007
Revises: 0006
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Many independent two-leg transfers in one round trip and one transaction (group commit, see
# finplat.ledger.group), each with its own outcome. Every running-balance account of the group
# is locked up front in ascending id order (the lock order of ledger_write_entry and
# ledger_write_batch, so groups never deadlock with each other or with single transfers). The
# items are then taken in order against running totals kept in arrays: the same checks as
# ledger_write_entry (existence, currency, status, limits) under the locks, the entry claimed
# with ON CONFLICT DO NOTHING (a duplicate source, also one earlier in the same group, refuses
# that item only), one version step per item and each posting with its balance after. A refused
# item writes nothing and consumes nothing. Totals are written once per account at the end, and
# all postings with one INSERT. Hot accounts (tracks_balance = false) are neither locked nor
# updated: they only get postings.
_WRITE_GROUP_FUNCTION = """
CREATE FUNCTION ledger_write_group(
    p_nows timestamptz[], p_currencies text[], p_source_types text[], p_source_ids text[],
    p_codes text[], p_references text[], p_metadata jsonb[], p_debit_accounts bigint[],
    p_credit_accounts bigint[], p_amounts bigint[],
    OUT entry_ids bigint[], OUT error_codes text[], OUT error_accounts bigint[])
LANGUAGE plpgsql AS $$
DECLARE
    n int := coalesce(array_length(p_amounts, 1), 0);
    ids bigint[];
    tracked boolean[];
    normal text[];
    currencies text[];
    statuses text[];
    debit_limit boolean[];
    credit_limit boolean[];
    debits bigint[];
    credits bigint[];
    debits_pending bigint[];
    credits_pending bigint[];
    versions bigint[];
    touched_at timestamptz[];
    leg_entries bigint[] := '{}';
    leg_accounts bigint[] := '{}';
    leg_directions text[] := '{}';
    leg_amounts bigint[] := '{}';
    leg_balances bigint[] := '{}';
    leg_versions bigint[] := '{}';
    leg_created timestamptz[] := '{}';
    i int;
    side int;
    k int;
    account bigint;
    amount bigint;
    outflow bigint;
    inflow bigint;
    refusal text;
    entry bigint;
BEGIN
    entry_ids := array_fill(NULL::bigint, ARRAY[n]);
    error_codes := array_fill(NULL::text, ARRAY[n]);
    error_accounts := array_fill(NULL::bigint, ARRAY[n]);
    PERFORM 1 FROM ledger_account
      WHERE id = ANY(p_debit_accounts || p_credit_accounts) AND tracks_balance
      ORDER BY id FOR UPDATE;
    SELECT array_agg(a.id ORDER BY a.id), array_agg(a.tracks_balance ORDER BY a.id),
           array_agg(a.normal_balance ORDER BY a.id), array_agg(a.currency ORDER BY a.id),
           array_agg(a.status ORDER BY a.id),
           array_agg(a.debits_must_not_exceed_credits ORDER BY a.id),
           array_agg(a.credits_must_not_exceed_debits ORDER BY a.id),
           array_agg(a.debits_posted ORDER BY a.id), array_agg(a.credits_posted ORDER BY a.id),
           array_agg(a.debits_pending ORDER BY a.id), array_agg(a.credits_pending ORDER BY a.id),
           array_agg(a.version ORDER BY a.id), array_agg(NULL::timestamptz ORDER BY a.id)
      INTO ids, tracked, normal, currencies, statuses, debit_limit, credit_limit, debits,
           credits, debits_pending, credits_pending, versions, touched_at
      FROM ledger_account a WHERE a.id = ANY(p_debit_accounts || p_credit_accounts);
    FOR i IN 1..n LOOP
        amount := p_amounts[i];
        refusal := NULL;
        -- Both accounts checked in ascending id order, so the account named in a refusal is
        -- the one ledger_write_entry would name.
        FOR side IN 1..2 LOOP
            account := CASE WHEN (side = 1) = (p_debit_accounts[i] < p_credit_accounts[i])
                            THEN p_debit_accounts[i] ELSE p_credit_accounts[i] END;
            k := array_position(ids, account);
            outflow := CASE WHEN account = p_debit_accounts[i] THEN amount ELSE 0 END;
            inflow := amount - outflow;
            IF k IS NULL THEN
                refusal := 'not_found';
            ELSIF currencies[k] <> p_currencies[i] THEN
                refusal := 'currency';
            ELSIF statuses[k] = 'closed' THEN
                refusal := 'closed';
            ELSIF statuses[k] = 'frozen' THEN
                refusal := 'frozen';
            ELSIF tracked[k] AND (
                (debit_limit[k]
                 AND debits[k] + debits_pending[k] + outflow > credits[k] + inflow)
                OR (credit_limit[k]
                 AND credits[k] + credits_pending[k] + inflow > debits[k] + outflow)) THEN
                refusal := 'insufficient';
            END IF;
            EXIT WHEN refusal IS NOT NULL;
        END LOOP;
        IF refusal IS NOT NULL THEN
            error_codes[i] := refusal;
            error_accounts[i] := account;
            CONTINUE;
        END IF;
        entry := NULL;
        INSERT INTO ledger_entry (source_type, source_id, code, entry_type, reference, metadata,
                                  created_at)
        VALUES (p_source_types[i], p_source_ids[i], p_codes[i], 'transfer', p_references[i],
                p_metadata[i], p_nows[i])
        ON CONFLICT (source_type, source_id) DO NOTHING
        RETURNING id INTO entry;
        IF entry IS NULL THEN
            error_codes[i] := 'duplicate';
            CONTINUE;
        END IF;
        entry_ids[i] := entry;
        FOR side IN 1..2 LOOP
            account := CASE WHEN side = 1 THEN p_debit_accounts[i] ELSE p_credit_accounts[i] END;
            k := array_position(ids, account);
            leg_entries := leg_entries || entry;
            leg_accounts := leg_accounts || account;
            leg_directions := leg_directions || CASE WHEN side = 1 THEN 'debit' ELSE 'credit' END;
            leg_amounts := leg_amounts || amount;
            leg_created := leg_created || p_nows[i];
            IF tracked[k] THEN
                IF side = 1 THEN
                    debits[k] := debits[k] + amount;
                ELSE
                    credits[k] := credits[k] + amount;
                END IF;
                versions[k] := versions[k] + 1;
                touched_at[k] := p_nows[i];
                leg_balances := leg_balances || CASE WHEN normal[k] = 'credit'
                    THEN credits[k] - debits[k] ELSE debits[k] - credits[k] END;
                leg_versions := leg_versions || versions[k];
            ELSE
                leg_balances := leg_balances || NULL::bigint;
                leg_versions := leg_versions || NULL::bigint;
            END IF;
        END LOOP;
    END LOOP;
    UPDATE ledger_account a
       SET debits_posted = v.debits, credits_posted = v.credits, version = v.version,
           updated_at = v.touched_at
      FROM unnest(ids, debits, credits, versions, touched_at) AS v(id, debits, credits, version,
                                                                    touched_at)
     WHERE a.id = v.id AND v.touched_at IS NOT NULL;
    INSERT INTO ledger_posting (entry_id, account_id, direction, amount_minor, pending,
                                balance_after_minor, account_version, created_at)
    SELECT l.entry_id, l.account_id, l.direction, l.amount, false, l.balance, l.version,
           l.created_at
      FROM unnest(leg_entries, leg_accounts, leg_directions, leg_amounts, leg_balances,
                  leg_versions, leg_created) WITH ORDINALITY
           AS l(entry_id, account_id, direction, amount, balance, version, created_at, n)
     ORDER BY l.n;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_WRITE_GROUP_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_write_group")
