"""session indexes on (departement, offer_id) and (region, offer_id) instead of the place alone.

0005 dropped ix_session_offer_id; the offer list's `EXISTS (live session in département X)` then
went through ix_session_departement and scanned the département's sessions once per listed offer
(seconds per page at 50,000 sessions). The composite indexes answer each probe with one seek and
still serve every lookup by place alone (their prefix), so writes maintain no extra index.

Revision ID: a6d0c3f1e2b4
Revises: 5d1e0b7c9a21
Create Date: 2026-12-08 00:20:00.000000
"""
from __future__ import annotations

from alembic import op

revision = 'a6d0c3f1e2b4'
down_revision = '5d1e0b7c9a21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_session_departement_offer', 'session', ['departement', 'offer_id'], unique=False)
    op.create_index('ix_session_region_offer', 'session', ['region', 'offer_id'], unique=False)
    op.drop_index('ix_session_departement', table_name='session')
    op.drop_index('ix_session_region', table_name='session')


def downgrade() -> None:
    op.create_index('ix_session_region', 'session', ['region'], unique=False)
    op.create_index('ix_session_departement', 'session', ['departement'], unique=False)
    op.drop_index('ix_session_region_offer', table_name='session')
    op.drop_index('ix_session_departement_offer', table_name='session')
