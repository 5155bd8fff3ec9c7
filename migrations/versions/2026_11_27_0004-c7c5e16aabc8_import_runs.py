"""import runs: import_run (who, when, source, mode, status, counts) and offer_source (raw fragment, skip hashes)

Revision ID: c7c5e16aabc8
Revises: ecffccd4810a
Create Date: 2026-11-27 11:15:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision = 'c7c5e16aabc8'
down_revision = 'ecffccd4810a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'import_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('actor_key_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('started_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('publish_ms', sa.Integer(), nullable=True),
        sa.Column('bytes_read', sa.BigInteger(), nullable=True),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_run')),
    )
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.create_index('ix_import_run_source_status', ['source', 'status'], unique=False)

    op.create_table(
        'offer_source',
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('raw', sa.Text(), nullable=False),
        sa.Column('source_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('source_hash_until', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_source_offer_id_offer'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('offer_id', name=op.f('pk_offer_source')),
    )


def downgrade() -> None:
    op.drop_table('offer_source')
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index('ix_import_run_source_status')
    op.drop_table('import_run')
