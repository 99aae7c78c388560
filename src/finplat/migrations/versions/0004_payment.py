"""payment tables

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import finplat.core.models  # custom column types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payment_callback',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('channel_reference', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('merchant_reference', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('received_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_callback')),
    sa.UniqueConstraint('channel', 'channel_reference', 'status', 'amount_minor', name='uq_payment_callback_notification')
    )
    with op.batch_alter_table('payment_callback', schema=None) as batch_op:
        batch_op.create_index('ix_payment_callback_outcome_id', ['outcome', 'id'], unique=False)

    op.create_table('payment_deposit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('channel_reference', sa.String(length=64), nullable=True),
    sa.Column('failure_reason', sa.String(length=200), nullable=True),
    sa.Column('ledger_transfer_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('channel_completed_at', finplat.core.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_deposit')),
    sa.UniqueConstraint('channel', 'channel_reference', name=op.f('uq_payment_deposit_channel_channel_reference')),
    sa.UniqueConstraint('reference', name=op.f('uq_payment_deposit_reference'))
    )
    with op.batch_alter_table('payment_deposit', schema=None) as batch_op:
        batch_op.create_index('ix_payment_deposit_channel_completed_at', ['channel', 'channel_completed_at'], unique=False)
        batch_op.create_index('ix_payment_deposit_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_payment_deposit_user_id_id', ['user_id', 'id'], unique=False)

    op.create_table('payment_reconciliation_report',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('matched_count', sa.Integer(), nullable=False),
    sa.Column('discrepancy_count', sa.Integer(), nullable=False),
    sa.Column('channel_total_minor', sa.BigInteger(), nullable=False),
    sa.Column('platform_total_minor', sa.BigInteger(), nullable=False),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_reconciliation_report'))
    )
    with op.batch_alter_table('payment_reconciliation_report', schema=None) as batch_op:
        batch_op.create_index('ix_payment_reconciliation_report_business_date', ['business_date', 'channel'], unique=False)

    op.create_table('payment_simulator_transaction',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('channel_reference', sa.String(length=64), nullable=False),
    sa.Column('merchant_reference', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('processed_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_simulator_transaction')),
    sa.UniqueConstraint('channel_reference', name=op.f('uq_payment_simulator_transaction_channel_reference'))
    )
    with op.batch_alter_table('payment_simulator_transaction', schema=None) as batch_op:
        batch_op.create_index('ix_payment_simulator_transaction_channel_business_date', ['channel', 'business_date'], unique=False)
        batch_op.create_index('ix_payment_simulator_transaction_merchant_reference', ['merchant_reference'], unique=False)

    op.create_table('payment_withdrawal',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('bank_card_id', sa.BigInteger(), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('fee_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('hold_id', sa.String(length=64), nullable=False),
    sa.Column('channel_reference', sa.String(length=64), nullable=True),
    sa.Column('failure_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('channel_completed_at', finplat.core.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_withdrawal')),
    sa.UniqueConstraint('channel', 'channel_reference', name=op.f('uq_payment_withdrawal_channel_channel_reference')),
    sa.UniqueConstraint('reference', name=op.f('uq_payment_withdrawal_reference'))
    )
    with op.batch_alter_table('payment_withdrawal', schema=None) as batch_op:
        batch_op.create_index('ix_payment_withdrawal_channel_completed_at', ['channel', 'channel_completed_at'], unique=False)
        batch_op.create_index('ix_payment_withdrawal_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_payment_withdrawal_user_id_id', ['user_id', 'id'], unique=False)

    op.create_table('payment_reconciliation_item',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('report_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('transaction_kind', sa.String(length=16), nullable=False),
    sa.Column('merchant_reference', sa.String(length=40), nullable=False),
    sa.Column('channel_reference', sa.String(length=64), nullable=True),
    sa.Column('platform_amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('channel_amount_minor', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['payment_reconciliation_report.id'], name=op.f('fk_payment_reconciliation_item_report_id_payment_reconciliation_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_reconciliation_item'))
    )
    with op.batch_alter_table('payment_reconciliation_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_reconciliation_item_report_id'), ['report_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payment_reconciliation_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_reconciliation_item_report_id'))

    op.drop_table('payment_reconciliation_item')
    with op.batch_alter_table('payment_withdrawal', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_withdrawal_user_id_id')
        batch_op.drop_index('ix_payment_withdrawal_status_created_at')
        batch_op.drop_index('ix_payment_withdrawal_channel_completed_at')

    op.drop_table('payment_withdrawal')
    with op.batch_alter_table('payment_simulator_transaction', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_simulator_transaction_merchant_reference')
        batch_op.drop_index('ix_payment_simulator_transaction_channel_business_date')

    op.drop_table('payment_simulator_transaction')
    with op.batch_alter_table('payment_reconciliation_report', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_reconciliation_report_business_date')

    op.drop_table('payment_reconciliation_report')
    with op.batch_alter_table('payment_deposit', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_deposit_user_id_id')
        batch_op.drop_index('ix_payment_deposit_status_created_at')
        batch_op.drop_index('ix_payment_deposit_channel_completed_at')

    op.drop_table('payment_deposit')
    with op.batch_alter_table('payment_callback', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_callback_outcome_id')

    op.drop_table('payment_callback')
