"""rate_bucket: the rate limiter's counters in the database, shared by every host (PostgreSQL).

UNLOGGED on PostgreSQL: one upsert per limited request writes no WAL, and a crash only empties the
buckets (every key starts with a full budget). SQLite deployments count in a file of their own
(app/core/rate_buckets.py); the table is created there too, and stays empty, so that the models
describe one schema.

Revision ID: b8e4f2a61c07
Revises: e4b7a2c91d3f
Create Date: 2026-12-08 00:08:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b8e4f2a61c07'
down_revision = 'e4b7a2c91d3f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE UNLOGGED TABLE rate_bucket (id TEXT NOT NULL, tat DOUBLE PRECISION NOT NULL, '
                   'CONSTRAINT pk_rate_bucket PRIMARY KEY (id))')
        return
    op.create_table('rate_bucket',
                    sa.Column('id', sa.Text(), nullable=False),
                    sa.Column('tat', sa.Double(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_bucket')))


def downgrade() -> None:
    op.drop_table('rate_bucket')
