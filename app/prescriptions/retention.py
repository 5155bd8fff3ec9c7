"""Retention: `parcours-fle anonymise --older-than-months N`.

On prescriptions closed (refused, cancelled, expired, entered) before the cut-off, and on entries
recorded before it, `jobseeker_ref` is replaced by a random token (`anon-…`): nothing links the
token back to the person, not even another run. The free texts that may name someone (the
adviser's `note`, the refusal `reason`, in the prescription and in its log) are erased too; codes,
statuses, dates, publics and the log's shape stay, so the indicators do not change. Idempotency
answers older than the cut-off (they repeat the references) are deleted.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from app.core.clock import utcnow
from app.core.db import Database
from app.prescriptions import idempotency
from app.prescriptions import repository as repo
from app.prescriptions.states import FINAL

BATCH = 1000


@dataclass(frozen=True)
class Report:
    cutoff: datetime
    prescriptions: int
    entries: int
    idempotency_records: int


def token() -> str:
    return "anon-" + secrets.token_hex(12)


def months_before(at: datetime, months: int) -> datetime:
    """The same instant `months` calendar months earlier (day clamped to the month's end)."""
    at = at.astimezone(UTC)
    y, m0 = divmod(at.year * 12 + (at.month - 1) - months, 12)
    day = min(at.day, calendar.monthrange(y, m0 + 1)[1])
    return at.replace(year=y, month=m0 + 1, day=day)


def anonymise(database: Database, older_than_months: int, *, now: datetime | None = None) -> Report:
    if older_than_months < 1:
        raise ValueError("older_than_months must be at least 1")
    now = now or utcnow()
    cutoff = months_before(now, older_than_months)
    closed = [s.value for s in FINAL]
    n_presc = n_entries = 0
    while True:
        with database.session(write=True) as db:
            ids = repo.closed_before(db, closed, cutoff, BATCH)
            for pid in ids:
                repo.anonymise_prescription(db, pid, token(), now)
            repo.erase_event_reasons(db, ids)
        n_presc += len(ids)
        if len(ids) < BATCH:
            break
    while True:
        with database.session(write=True) as db:
            ids = repo.entries_before(db, cutoff, BATCH)
            for eid in ids:
                repo.anonymise_entry(db, eid, token(), now)
        n_entries += len(ids)
        if len(ids) < BATCH:
            break
    with database.session(write=True) as db:
        n_idem = idempotency.purge_before(db, cutoff)
    return Report(cutoff=cutoff, prescriptions=n_presc, entries=n_entries, idempotency_records=n_idem)
