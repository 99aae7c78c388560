"""core idempotency audit outbox jobs

Revision ID: 0001
Revises:
Create Date: 2026-11-25 00:02:28.670213
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import finplat.core.models

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dialect = op.get_bind().dialect
    if dialect.name in ("mysql", "mariadb"):
        # Every table after this inherits the database's defaults: full Unicode, and strings
        # compared byte for byte, trailing spaces included, as on PostgreSQL and SQLite (the
        # server's usual default, utf8mb4_general_ci, would make "Alice", "alice" and "alice "
        # one unique user name or key).
        collation = "utf8mb4_nopad_bin" if dialect.is_mariadb else "utf8mb4_0900_bin"
        op.execute(f"ALTER DATABASE CHARACTER SET utf8mb4 COLLATE {collation}")
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    op.create_table('audit_record',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=True),
    sa.Column('previous_hash', sa.String(length=64), nullable=True),
    sa.Column('record_hash', sa.String(length=64), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('actor_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=64), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_record')),
    sa.UniqueConstraint('sequence', name=op.f('uq_audit_record_sequence'))
    )
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_record_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_record_actor_id'), ['actor_id'], unique=False)

    op.create_table('core_idempotency_key',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('scope', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_idempotency_key')),
    sa.UniqueConstraint('scope', 'key', name=op.f('uq_core_idempotency_key_scope_key'))
    )
    op.create_table('core_job_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('job_name', sa.String(length=64), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checkpoint', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('attempts', sa.BigInteger(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('started_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', finplat.core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('lease_expires_at', finplat.core.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_job_run')),
    sa.UniqueConstraint('job_name', 'business_date', name=op.f('uq_core_job_run_job_name_business_date'))
    )
    op.create_table('events_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', finplat.core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', finplat.core.models.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events_outbox'))
    )
    with op.batch_alter_table('events_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_events_outbox_undispatched', ['dispatched_at', 'id'], unique=False)

    op.create_table('events_delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('handler', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', finplat.core.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', finplat.core.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events_outbox.id'], name=op.f('fk_events_delivery_event_id_events_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events_delivery')),
    sa.UniqueConstraint('event_id', 'handler', name=op.f('uq_events_delivery_event_id_handler'))
    )


def downgrade() -> None:
    op.drop_table('events_delivery')
    with op.batch_alter_table('events_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_events_outbox_undispatched')

    op.drop_table('events_outbox')
    op.drop_table('core_job_run')
    op.drop_table('core_idempotency_key')
    with op.batch_alter_table('audit_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_record_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_record_action'))

    op.drop_table('audit_record')
    op.drop_table('audit_chain_head')
