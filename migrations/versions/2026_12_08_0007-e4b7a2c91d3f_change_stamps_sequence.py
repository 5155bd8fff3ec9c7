"""PostgreSQL: change stamps from a sequence, with in-flight registration, instead of the counter row.

Every catalogue write used to bump the one `catalogue_state` row and hold its lock until commit,
so on PostgreSQL all writers queued behind each other. Writers now draw stamps from
`catalogue_change_seq` (no lock between them) after registering a lower bound of their stamp in
the lock table (a shared transaction-level advisory lock, released when they end); readers consume
stamps only below the lowest bound still registered (app/catalogue/stamps.py explains and proves it).
SQLite keeps the counter row: it has one writer at a time anyway.

Revision ID: e4b7a2c91d3f
Revises: a6d0c3f1e2b4
Create Date: 2026-12-08 01:00:00.000000
"""
from __future__ import annotations

from alembic import op

revision = 'e4b7a2c91d3f'
down_revision = 'a6d0c3f1e2b4'
branch_labels = None
depends_on = None

# Advisory locks taken as (namespace, bound): the two-int4 form (objsubid 2 in pg_locks). Its own
# namespace, 'PFLS' in ASCII: the leader and migration locks are ('PFLE', 1) and ('PFLE', 2)
# (app/core/leader.py, app/core/migrate.py) — sharing theirs, a writer drawing stamp 1 would wait
# for the leader forever, and the horizon would stop below 1. The import lock is a one-bigint key.
NAMESPACE = 0x50464C53

NEXT_STAMP = f"""
CREATE FUNCTION catalogue_next_stamp() RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
DECLARE bound integer;
BEGIN
  -- Register first, then draw: the stamp drawn below is >= bound (the sequence only grows).
  SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END INTO bound FROM catalogue_change_seq;
  PERFORM pg_advisory_xact_lock_shared({NAMESPACE}, bound);
  RETURN nextval('catalogue_change_seq');
END $$
"""

HORIZON = f"""
CREATE FUNCTION catalogue_horizon(since integer, OUT head integer, OUT safe integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE called boolean; lowest bigint;
BEGIN
  -- The last stamp handed out, read BEFORE the lock table: a stamp <= head was drawn by a writer
  -- that had registered before this function looked at the locks.
  SELECT last_value, is_called INTO head, called FROM catalogue_change_seq;
  IF NOT called THEN head := head - 1; END IF;
  IF head <= since THEN  -- nothing drawn beyond what the caller has consumed (it was safe then)
    safe := head;
    RETURN;
  END IF;
  SELECT min(objid::bigint) INTO lowest FROM pg_locks
   WHERE locktype = 'advisory' AND classid = {NAMESPACE}::oid AND objsubid = 2;
  safe := LEAST(head, COALESCE(lowest - 1, head));
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE catalogue_change_seq AS integer START WITH 1 MINVALUE 1 CACHE 1 NO CYCLE")
    # CACHE 1 matters: with cached values a backend could hand out a stamp below `last_value` later.
    op.execute("SELECT setval('catalogue_change_seq', seq, true) FROM catalogue_state WHERE id = 1 AND seq > 0")
    op.execute(NEXT_STAMP)
    op.execute(HORIZON)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("UPDATE catalogue_state SET seq = GREATEST(seq, (SELECT CASE WHEN is_called THEN last_value "
               "ELSE last_value - 1 END FROM catalogue_change_seq)) WHERE id = 1")
    op.execute("DROP FUNCTION catalogue_horizon(integer)")
    op.execute("DROP FUNCTION catalogue_next_stamp()")
    op.execute("DROP SEQUENCE catalogue_change_seq")
