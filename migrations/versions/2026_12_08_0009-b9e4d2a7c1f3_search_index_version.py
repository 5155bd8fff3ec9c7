"""search_indexer.index_version: which document shape and settings the live Meilisearch index has.

The indexer compares it with the version the code builds (`app.search.meili.index_version()`);
when they differ it rebuilds the whole index through a temporary index and a swap, so a deploy
that changes the documents or the settings never serves a half-converted index. NULL (rows
written before this column) counts as "differs": the first start after this migration rebuilds.

Revision ID: b9e4d2a7c1f3
Revises: b8e4f2a61c07
Create Date: 2026-12-08 00:40:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = 'b9e4d2a7c1f3'
down_revision = 'b8e4f2a61c07'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('search_indexer') as batch:
        batch.add_column(sa.Column('index_version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('search_indexer') as batch:
        batch.drop_column('index_version')
