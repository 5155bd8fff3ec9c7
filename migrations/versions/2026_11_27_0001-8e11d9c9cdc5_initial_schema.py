"""initial schema

Revision ID: 8e11d9c9cdc5
Revises: 
Create Date: 2026-11-27 10:36:46.285494
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision = '8e11d9c9cdc5'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('siret', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('organisation', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_key_prefix'))
    )
    catalogue_state = op.create_table('catalogue_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_state'))
    )
    op.bulk_insert(catalogue_state, [{'id': 1, 'seq': 0}])
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('siret', sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('siret', name=op.f('uq_organisation_siret'))
    )
    op.create_table('idempotency_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('route', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('idem_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.Text(), nullable=False),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name=op.f('fk_idempotency_record_api_key_id_api_key')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_record')),
    sa.UniqueConstraint('api_key_id', 'route', 'idem_key', name=op.f('uq_idempotency_record_api_key_id_route_idem_key'))
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_record_api_key_id'), ['api_key_id'], unique=False)

    op.create_table('offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('formation_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('entry_min', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('entry_max', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('entry_min_rank', sa.Integer(), nullable=True),
    sa.Column('entry_max_rank', sa.Integer(), nullable=True),
    sa.Column('target_level', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('literacy_accepted', sa.JSON(), nullable=False),
    sa.Column('rome_codes', sa.JSON(), nullable=False),
    sa.Column('formacodes', sa.JSON(), nullable=False),
    sa.Column('modality', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('hours_total', sa.Float(), nullable=True),
    sa.Column('hours_per_week', sa.Float(), nullable=True),
    sa.Column('childcare', sa.Boolean(), nullable=True),
    sa.Column('cost_to_learner', sa.Float(), nullable=True),
    sa.Column('certification', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('quality', sa.Float(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('raw_source', sa.Text(), nullable=True),
    sa.Column('raw_format', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source_updated_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('change_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_offer_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer')),
    sa.UniqueConstraint('source', 'external_id', name=op.f('uq_offer_source_external_id'))
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_source'), ['source'], unique=False)
        batch_op.create_index('ix_offer_updated_at_id', ['updated_at', 'id'], unique=False)

    op.create_table('offer_funder',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('funder', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_funder_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'funder', name=op.f('pk_offer_funder'))
    )
    with op.batch_alter_table('offer_funder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_funder_funder'), ['funder'], unique=False)

    op.create_table('offer_public',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('public', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_public_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'role', 'public', name=op.f('pk_offer_public'))
    )
    op.create_table('offer_sector',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('sector', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_offer_sector_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'sector', name=op.f('pk_offer_sector'))
    )
    with op.batch_alter_table('offer_sector', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_sector_sector'), ['sector'], unique=False)

    op.create_table('session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('start_precision', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('end_precision', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('rolling_entry', sa.Boolean(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('postcode', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('insee', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('departement', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('places_available', sa.Integer(), nullable=True),
    sa.Column('places_stated', sa.Integer(), nullable=True),
    sa.Column('places_updated_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('funded_places', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('change_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_session_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session')),
    sa.UniqueConstraint('offer_id', 'external_id', name=op.f('uq_session_offer_id_external_id'))
    )
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_change_seq'), ['change_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_departement'), ['departement'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_end_date'), ['end_date'], unique=False)
        batch_op.create_index('ix_session_lat_lon', ['lat', 'lon'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_region'), ['region'], unique=False)
        batch_op.create_index('ix_session_status_start', ['status', 'start_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.drop_index('ix_session_status_start')
        batch_op.drop_index(batch_op.f('ix_session_region'))
        batch_op.drop_index(batch_op.f('ix_session_offer_id'))
        batch_op.drop_index('ix_session_lat_lon')
        batch_op.drop_index(batch_op.f('ix_session_end_date'))
        batch_op.drop_index(batch_op.f('ix_session_departement'))
        batch_op.drop_index(batch_op.f('ix_session_change_seq'))

    op.drop_table('session')
    with op.batch_alter_table('offer_sector', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_sector_sector'))

    op.drop_table('offer_sector')
    op.drop_table('offer_public')
    with op.batch_alter_table('offer_funder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_funder_funder'))

    op.drop_table('offer_funder')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index('ix_offer_updated_at_id')
        batch_op.drop_index(batch_op.f('ix_offer_source'))
        batch_op.drop_index(batch_op.f('ix_offer_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_offer_kind'))
        batch_op.drop_index(batch_op.f('ix_offer_change_seq'))

    op.drop_table('offer')
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_record_api_key_id'))

    op.drop_table('idempotency_record')
    op.drop_table('organisation')
    op.drop_table('catalogue_state')
    op.drop_table('api_key')
