"""Expiry of pending prescriptions after PRESCRIPTION_TTL_DAYS (`expires_at`).

The same function runs from `parcours-fle expire` and periodically inside the server process that
leads the deployment (`expiry_loop`, started by the app's lifespan in every process, idle in all
but the leader: app/core/leader.py). Running it twice at once is still safe: every expiry is a
compare-and-set on `status = 'pending'`, so each place is given back exactly once. Each expiry is
its own short transaction: it holds one prescription, offer and session row at a time, in the
order every writer takes them (app/prescriptions/repository.py), so it never deadlocks with a
PATCH or an entry on PostgreSQL, and never holds SQLite's write lock for a whole batch.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime

from app.catalogue.stamps import next_change_seq
from app.core.clock import utcnow
from app.core.db import Database
from app.prescriptions import repository as repo
from app.prescriptions.models import Prescription
from app.prescriptions.service import transition
from app.prescriptions.states import Actor, Status

log = logging.getLogger("parcours_fle.expiry")
BATCH = 500
LEADER_CHECK_SECONDS = 1.0  # how soon a process that becomes the leader starts expiring


def expire_due(database: Database, *, now: datetime | None = None, batch: int = BATCH) -> int:
    """Expire every pending prescription whose `expires_at` has passed; the number expired."""
    total = 0
    while True:
        at = now or utcnow()
        with database.session() as db:
            ids = repo.due_for_expiry(db, at, batch)
        for pid in ids:
            with database.session(write=True) as db:
                p = db.get(Prescription, pid)
                if p is not None and p.status == Status.PENDING.value and transition(
                        db, p, Status.EXPIRED, Actor.SYSTEM, None, seq=next_change_seq(db), now=at, via="expiry"):
                    total += 1
        if len(ids) < batch:
            return total


async def expiry_loop(database: Database, interval_seconds: int,
                      leads: Callable[[], bool] = lambda: True) -> None:
    """While this process `leads`, run `expire_due` in a worker thread at once, then every
    `interval_seconds`; until cancelled. A process that becomes the leader runs it within a second."""
    last: float | None = None
    while True:
        if not leads():
            last = None
        elif last is None or time.monotonic() - last >= interval_seconds:
            last = time.monotonic()
            try:
                n = await asyncio.to_thread(expire_due, database)
                if n:
                    log.info("prescriptions expired", extra={"event": "expiry", "count": n})
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed run (database restarting…) must not stop the loop
                log.exception("expiry run failed", extra={"event": "expiry"})
        await asyncio.sleep(min(interval_seconds, LEADER_CHECK_SECONDS))
