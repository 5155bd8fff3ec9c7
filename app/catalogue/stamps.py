"""Change stamps: all their SQL, the one interface writers and readers use on both databases.

Every catalogue write puts `next_change_seq(db)` in the `change_seq` of each offer and session row
it touches, in its own transaction. A reader (matching snapshot, search index) asks
`change_horizon(db, since)` for two numbers:

- `head`: the last stamp handed out. Nothing above the reader's bookmark → nothing to read.
- `safe`: every stamp <= safe belongs to a transaction that has ended, so a statement started
  afterwards sees all its rows (or none, if it rolled back).

The reader fetches the rows with `change_seq > bookmark` (committed rows above `safe` included: a
write is visible as soon as it commits), then moves its bookmark to `safe` only. Rows above it are
read again next time: a stamp held by a transaction still running when the reader looked is never
skipped, whatever the commit order. Readers re-apply those rows; applying a row twice is harmless.

- SQLite: one writer at a time (BEGIN IMMEDIATE), so the counter row in `catalogue_state` costs
  nothing more; it is bumped by the write and read back, and `safe == head`.
- PostgreSQL: no lock shared by writers. `catalogue_next_stamp()` (migration 0007) reads the
  sequence's `last_value` as a bound, takes a shared transaction-level advisory lock on it (released
  when the transaction ends, after its commit is visible), then draws `nextval` (>= bound).
  `catalogue_horizon()` reads `last_value` as `head` first, then the lowest bound in `pg_locks`:
  `safe = min(head, lowest bound - 1)`. Proof: a stamp s <= head was drawn before `head` was read,
  so its writer had registered its bound b <= s before the lock table was read; if that writer is
  still running its lock is there and safe <= b - 1 < s. So every stamp <= safe is ended.
  tests/catalogue/test_stamps.py holds a writer open on a stamp while a later one commits.
  A registration taken inside a savepoint that rolls back is released with it: draw the stamp
  before the savepoint (as `record_entries` does) or use it only inside.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, text
from sqlmodel import Session, select

from app.catalogue.models import CatalogueState

_cs = CatalogueState.__table__
_NEXT_SQLITE = _cs.update().where(_cs.c.id == 1).values(seq=_cs.c.seq + 1).returning(_cs.c.seq)
_NEXT_PG = text("SELECT catalogue_next_stamp()")
_HORIZON_PG = text("SELECT head, safe FROM catalogue_horizon(:since)").bindparams(bindparam("since"))


class Horizon(NamedTuple):
    head: int  # the last stamp handed out
    safe: int  # every stamp up to this one is committed (visible) or rolled back


def next_change_seq(db: Session) -> int:
    """A new stamp for the rows this transaction writes. Gaps in the stamps are harmless."""
    conn = db.connection()
    if conn.dialect.name == "postgresql":
        return conn.execute(_NEXT_PG).scalar_one()
    seq = conn.execute(_NEXT_SQLITE).scalar_one_or_none()
    if seq is None:  # first write on a database created without the migration's seed row
        db.add(CatalogueState(id=1, seq=1))
        db.flush()
        return 1
    return seq


def change_horizon(db: Session, since: int = -1) -> Horizon:
    """Where the stamps stand (see the module docstring). `since`: the caller's bookmark, which
    lets PostgreSQL skip the lock table when nothing was drawn beyond it."""
    conn = db.connection()
    if conn.dialect.name == "postgresql":
        head, safe = conn.execute(_HORIZON_PG, {"since": since}).one()
        return Horizon(head, safe)
    seq = conn.execute(select(CatalogueState.seq).where(CatalogueState.id == 1)).scalar_one_or_none() or 0
    return Horizon(seq, seq)
