"""funds in one round trip: payment_open_deposit, payment_open_withdrawal, payment_settle_callback

Revision ID: 0008
Revises: 0007
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL only. Each payment function does one use case's usual case in one round trip and
# one transaction (the caller runs it as an autocommit statement). Anything else — a reused or
# in-progress Idempotency-Key, a missing wallet or card, a ledger refusal, an order in an
# unexpected state, a duplicate source — raises SQLSTATE FP001 ("take the portable path"): the
# statement is rolled back whole and the caller runs the same use case through the portable
# Python code, which has the one definition of every refusal and anomaly. The rows written here
# are the rows the portable code writes (tests compare the two).

# core: claim an Idempotency-Key (as finplat.core.idempotency._claim), or return the answer
# stored under it for the same request.
_IDEMPOTENCY_CLAIM = """
CREATE FUNCTION idempotency_claim(p_scope text, p_key text, p_hash text, p_now timestamptz,
    OUT claimed_id bigint, OUT status_code int, OUT body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    existing core_idempotency_key%ROWTYPE;
BEGIN
    INSERT INTO core_idempotency_key (scope, key, request_hash, status_code, response_body,
                                      created_at)
    VALUES (p_scope, p_key, p_hash, 0, '{}', p_now)
    ON CONFLICT (scope, key) DO NOTHING
    RETURNING id INTO claimed_id;
    IF claimed_id IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT * INTO existing FROM core_idempotency_key WHERE scope = p_scope AND key = p_key;
    IF NOT FOUND OR existing.request_hash <> p_hash OR existing.status_code = 0 THEN
        RAISE EXCEPTION 'take the portable path' USING ERRCODE = 'FP001';
    END IF;
    status_code := existing.status_code;
    body := existing.response_body;
END
$$;
"""

# audit: finplat.audit.service.record with the target id known only here. The record's content
# hash is sha256 of the canonical JSON that Python prepared around the target id. PL/pgSQL, not
# SQL, so that its statement's plan is kept for the session rather than made on every call.
_AUDIT_APPEND = """
CREATE FUNCTION audit_append(p_audit jsonb, p_target_id text, p_now timestamptz) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    record_id bigint;
BEGIN
    INSERT INTO audit_record (content_hash, actor_id, action, target_type, target_id, summary,
                              request_id, ip, created_at)
    VALUES (encode(sha256(convert_to((p_audit ->> 'hash_prefix') || to_json(p_target_id)::text
                                     || (p_audit ->> 'hash_suffix'), 'UTF8')), 'hex'),
            (p_audit ->> 'actor_id')::bigint, p_audit ->> 'action', p_audit ->> 'target_type',
            p_target_id, p_audit -> 'summary', p_audit ->> 'request_id', p_audit ->> 'ip', p_now)
    RETURNING id INTO record_id;
    RETURN record_id;
END
$$;
"""

# ledger: one two-leg entry through ledger_write_entry (debit p_debit, credit p_credit), posted
# or pending, releasing p_release of a hold's pending amounts on both accounts. A refusal is
# FP001: the portable path raises the ledger's own error for it.
_LEDGER_TWO_LEG = """
CREATE FUNCTION ledger_two_leg(
    p_source_type text, p_source_id text, p_code text, p_entry_type text, p_hold_id bigint,
    p_reference text, p_metadata jsonb, p_now timestamptz, p_pending boolean, p_currency text,
    p_debit bigint, p_credit bigint, p_amount bigint, p_release bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    posted bigint := CASE WHEN p_pending THEN 0 ELSE p_amount END;
    pending bigint := CASE WHEN p_pending THEN p_amount ELSE 0 END - p_release;
    low_is_debit boolean := p_debit < p_credit;
    written record;
BEGIN
    SELECT * INTO written FROM ledger_write_entry(
        p_source_type, p_source_id, p_code, p_entry_type, p_hold_id, NULL, p_reference,
        p_metadata, p_now, p_pending, false, p_currency,
        ARRAY[least(p_debit, p_credit), greatest(p_debit, p_credit)],
        CASE WHEN low_is_debit THEN ARRAY[posted, 0] ELSE ARRAY[0, posted] END,
        CASE WHEN low_is_debit THEN ARRAY[0, posted] ELSE ARRAY[posted, 0] END,
        CASE WHEN low_is_debit THEN ARRAY[pending, 0] ELSE ARRAY[0, pending] END,
        CASE WHEN low_is_debit THEN ARRAY[0, pending] ELSE ARRAY[pending, 0] END,
        ARRAY[p_debit, p_credit], ARRAY['debit', 'credit'], ARRAY[p_amount, p_amount]);
    IF written.error_code IS NOT NULL THEN
        RAISE EXCEPTION 'take the portable path' USING ERRCODE = 'FP001';
    END IF;
    RETURN written.entry_id;
END
$$;
"""

# ledger: the id of an account by kind and reference (the platform's books have reference
# 'platform', a customer's wallet 'user:<id>'); a missing account is for the portable path,
# which opens it.
_ACCOUNT_OF = """
CREATE FUNCTION ledger_account_of(p_kind text, p_reference text) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    found_id bigint;
BEGIN
    SELECT id INTO found_id FROM ledger_account WHERE kind = p_kind AND reference = p_reference;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'take the portable path' USING ERRCODE = 'FP001';
    END IF;
    RETURN found_id;
END
$$;
"""

# ledger: finplat.ledger.holds.hold and post_hold for a two-leg hold, through the functions
# above. The payment functions write ledger tables through these only.
_OPEN_HOLD = """
CREATE FUNCTION ledger_open_hold(
    p_source_type text, p_source_id text, p_code text, p_reference text, p_now timestamptz,
    p_currency text, p_debit bigint, p_credit bigint, p_amount bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    hold_id bigint;
BEGIN
    INSERT INTO ledger_hold (entry_id, debit_account_id, credit_account_id, amount_minor,
                             posted_minor, status, code, expires_at, created_at)
    VALUES (ledger_two_leg(p_source_type, p_source_id, p_code, 'hold', NULL, p_reference, '{}',
                           p_now, true, p_currency, p_debit, p_credit, p_amount, 0),
            p_debit, p_credit, p_amount, 0, 'open', p_code, NULL, p_now)
    RETURNING id INTO hold_id;
    RETURN hold_id;
END
$$;
"""

_POST_HOLD = """
CREATE FUNCTION ledger_post_hold(
    p_hold_id bigint, p_amount bigint, p_source_type text, p_source_id text, p_reference text,
    p_metadata jsonb, p_now timestamptz, p_currency text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    claimed record;
BEGIN
    UPDATE ledger_hold
       SET status = 'posted', posted_minor = p_amount, resolved_at = p_now
     WHERE id = p_hold_id AND status = 'open' AND amount_minor >= p_amount
    RETURNING debit_account_id, credit_account_id, amount_minor, code INTO claimed;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'take the portable path' USING ERRCODE = 'FP001';
    END IF;
    RETURN ledger_two_leg(p_source_type, p_source_id, claimed.code, 'hold_post', p_hold_id,
                          p_reference,
                          jsonb_build_object('held_minor', claimed.amount_minor) || p_metadata,
                          p_now, false, p_currency, claimed.debit_account_id,
                          claimed.credit_account_id, p_amount, claimed.amount_minor);
END
$$;
"""

# payment.service.create_deposit's transaction.
_OPEN_DEPOSIT = """
CREATE FUNCTION payment_open_deposit(
    p_scope text, p_key text, p_hash text, p_now timestamptz, p_user_id bigint, p_channel text,
    p_reference text, p_amount bigint, p_currency text, p_body jsonb, p_audit jsonb,
    OUT deposit_id bigint, OUT replay_status int, OUT replay_body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    claimed bigint;
BEGIN
    SELECT c.claimed_id, c.status_code, c.body INTO claimed, replay_status, replay_body
      FROM idempotency_claim(p_scope, p_key, p_hash, p_now) AS c;
    IF claimed IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO payment_deposit (user_id, channel, reference, amount_minor, currency, status,
                                 created_at, updated_at)
    VALUES (p_user_id, p_channel, p_reference, p_amount, p_currency, 'pending', p_now, p_now)
    RETURNING id INTO deposit_id;
    PERFORM audit_append(p_audit, deposit_id::text, p_now);
    UPDATE core_idempotency_key
       SET status_code = 201, response_body = p_body || jsonb_build_object('id', deposit_id)
     WHERE id = claimed;
END
$$;
"""

# payment.service.create_withdrawal's transaction: the card, the hold, the order.
_OPEN_WITHDRAWAL = """
CREATE FUNCTION payment_open_withdrawal(
    p_scope text, p_key text, p_hash text, p_now timestamptz, p_user_id bigint, p_channel text,
    p_reference text, p_bank_card_id bigint, p_amount bigint, p_fee bigint, p_currency text,
    p_body jsonb, p_audit jsonb,
    OUT withdrawal_id bigint, OUT bank_card_id bigint, OUT replay_status int,
    OUT replay_body jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    claimed bigint;
    wallet bigint;
    custody bigint;
    hold_id bigint;
BEGIN
    SELECT c.claimed_id, c.status_code, c.body INTO claimed, replay_status, replay_body
      FROM idempotency_claim(p_scope, p_key, p_hash, p_now) AS c;
    IF claimed IS NULL THEN
        RETURN;
    END IF;
    SELECT card.id INTO bank_card_id FROM identity_bank_card AS card
     WHERE card.user_id = p_user_id AND card.status = 'active'
       AND (p_bank_card_id IS NULL OR card.id = p_bank_card_id)
     ORDER BY card.id LIMIT 1;
    IF p_bank_card_id IS NOT NULL AND bank_card_id IS NULL THEN
        RAISE EXCEPTION 'take the portable path' USING ERRCODE = 'FP001';
    END IF;
    wallet := ledger_account_of('customer_wallet', 'user:' || p_user_id);
    custody := ledger_account_of('custody_cash', 'platform');
    hold_id := ledger_open_hold('payment_withdrawal', p_reference, 'withdraw', p_reference, p_now,
                                p_currency, wallet, custody, p_amount);
    INSERT INTO payment_withdrawal (user_id, channel, reference, bank_card_id, amount_minor,
                                    fee_minor, currency, status, hold_id, created_at, updated_at)
    VALUES (p_user_id, p_channel, p_reference, bank_card_id, p_amount, p_fee, p_currency,
            'created', hold_id::text, p_now, p_now)
    RETURNING id INTO withdrawal_id;
    PERFORM audit_append(p_audit, withdrawal_id::text, p_now);
    UPDATE core_idempotency_key
       SET status_code = 201,
           response_body = p_body || jsonb_build_object('id', withdrawal_id,
                                                        'bank_card_id', bank_card_id)
     WHERE id = claimed;
END
$$;
"""

# payment.callbacks._apply for a ``succeeded`` notification about an order that expects it: the
# callback log, the booking (the deposit's credit; the withdrawal's hold posted and its fee),
# the order, the outbox event and the audit record. Returns 'applied' or 'duplicate'.
_SETTLE_CALLBACK = """
CREATE FUNCTION payment_settle_callback(
    p_channel text, p_channel_reference text, p_merchant_reference text, p_kind text,
    p_amount bigint, p_currency text, p_occurred_at timestamptz, p_payload jsonb,
    p_now timestamptz, p_audit jsonb, OUT outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    d payment_deposit%ROWTYPE;
    w payment_withdrawal%ROWTYPE;
    entry bigint;
BEGIN
    IF p_kind = 'deposit' THEN
        SELECT * INTO d FROM payment_deposit WHERE reference = p_merchant_reference FOR UPDATE;
        IF NOT FOUND OR d.channel <> p_channel OR d.status IN ('succeeded', 'failed')
           OR d.amount_minor <> p_amount OR d.currency <> p_currency THEN
            RAISE EXCEPTION 'take the portable path' USING ERRCODE = 'FP001';
        END IF;
    ELSE
        SELECT * INTO w FROM payment_withdrawal WHERE reference = p_merchant_reference FOR UPDATE;
        IF NOT FOUND OR w.channel <> p_channel OR w.status IN ('succeeded', 'failed')
           OR w.amount_minor - w.fee_minor <> p_amount OR w.currency <> p_currency THEN
            RAISE EXCEPTION 'take the portable path' USING ERRCODE = 'FP001';
        END IF;
    END IF;
    INSERT INTO payment_callback (channel, channel_reference, status, merchant_reference, kind,
                                  amount_minor, outcome, payload, received_at)
    VALUES (p_channel, p_channel_reference, 'succeeded', p_merchant_reference, p_kind, p_amount,
            'applied', p_payload, p_now)
    ON CONFLICT (channel, channel_reference, status, amount_minor) DO NOTHING;
    IF NOT FOUND THEN
        outcome := 'duplicate';
        RETURN;
    END IF;
    IF p_kind = 'deposit' THEN
        entry := ledger_two_leg('payment_deposit', d.reference, 'deposit', 'transfer', NULL,
                                d.reference,
                                jsonb_build_object('channel', d.channel, 'deposit_id', d.id),
                                p_now, false, d.currency,
                                ledger_account_of('custody_cash', 'platform'),
                                ledger_account_of('customer_wallet', 'user:' || d.user_id),
                                d.amount_minor, 0);
        UPDATE payment_deposit
           SET ledger_transfer_id = entry::text, channel_reference = p_channel_reference,
               channel_completed_at = p_occurred_at, updated_at = p_now, status = 'succeeded'
         WHERE id = d.id;
        INSERT INTO events_outbox (topic, payload, created_at)
        VALUES ('payment.deposit_succeeded',
                jsonb_build_object('deposit_id', d.id, 'user_id', d.user_id,
                                   'amount_minor', d.amount_minor, 'currency', d.currency,
                                   'channel', d.channel), p_now);
        PERFORM audit_append(p_audit, d.id::text, p_now);
    ELSE
        PERFORM ledger_post_hold(w.hold_id::bigint, p_amount, 'payment_withdrawal_post',
                                 w.reference, w.reference,
                                 jsonb_build_object('channel', w.channel), p_now, w.currency);
        IF w.fee_minor > 0 THEN
            PERFORM ledger_two_leg('payment_withdrawal_fee', w.reference, 'fee', 'transfer',
                                   NULL, w.reference, jsonb_build_object('channel', w.channel),
                                   p_now, false, w.currency,
                                   ledger_account_of('customer_wallet', 'user:' || w.user_id),
                                   ledger_account_of('fee_revenue', 'platform'), w.fee_minor, 0);
        END IF;
        UPDATE payment_withdrawal
           SET channel_reference = p_channel_reference, channel_completed_at = p_occurred_at,
               updated_at = p_now, status = 'succeeded'
         WHERE id = w.id;
        INSERT INTO events_outbox (topic, payload, created_at)
        VALUES ('payment.withdrawal_succeeded',
                jsonb_build_object('withdrawal_id', w.id, 'user_id', w.user_id,
                                   'amount_minor', w.amount_minor, 'fee_minor', w.fee_minor,
                                   'currency', w.currency, 'channel', w.channel), p_now);
        PERFORM audit_append(p_audit, w.id::text, p_now);
    END IF;
    outcome := 'applied';
END
$$;
"""

_FUNCTIONS = (
    ("idempotency_claim", _IDEMPOTENCY_CLAIM),
    ("audit_append", _AUDIT_APPEND),
    ("ledger_two_leg", _LEDGER_TWO_LEG),
    ("ledger_account_of", _ACCOUNT_OF),
    ("ledger_open_hold", _OPEN_HOLD),
    ("ledger_post_hold", _POST_HOLD),
    ("payment_open_deposit", _OPEN_DEPOSIT),
    ("payment_open_withdrawal", _OPEN_WITHDRAWAL),
    ("payment_settle_callback", _SETTLE_CALLBACK),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for _name, definition in _FUNCTIONS:
            op.execute(definition)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _definition in reversed(_FUNCTIONS):
            op.execute(f"DROP FUNCTION IF EXISTS {name}")
