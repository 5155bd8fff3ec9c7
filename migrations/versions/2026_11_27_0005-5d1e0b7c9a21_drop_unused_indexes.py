"""drop indexes nothing reads: ix_offer_source and ix_session_offer_id (the unique (source, external_id)
and (offer_id, external_id) indexes serve those lookups), ix_session_end_date and ix_session_lat_lon
(dates and distances are filtered in memory). Every catalogue write maintained them.

Revision ID: 5d1e0b7c9a21
Revises: c7c5e16aabc8
Create Date: 2026-11-27 14:10:00.000000
"""
from __future__ import annotations

from alembic import op

revision = '5d1e0b7c9a21'
down_revision = 'c7c5e16aabc8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_offer_source', table_name='offer')
    op.drop_index('ix_session_offer_id', table_name='session')
    op.drop_index('ix_session_end_date', table_name='session')
    op.drop_index('ix_session_lat_lon', table_name='session')


def downgrade() -> None:
    op.create_index('ix_session_lat_lon', 'session', ['lat', 'lon'], unique=False)
    op.create_index('ix_session_end_date', 'session', ['end_date'], unique=False)
    op.create_index('ix_session_offer_id', 'session', ['offer_id'], unique=False)
    op.create_index('ix_offer_source', 'offer', ['source'], unique=False)
