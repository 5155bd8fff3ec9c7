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

from sqlalchemy import update
from sqlmodel import select

from app.core.clock import utcnow
from app.core.db import Database
from app.prescriptions import idempotency
from app.prescriptions.models import Entry, Prescription, PrescriptionEvent
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
            ids = list(db.execute(select(Prescription.id).where(
                Prescription.status.in_(closed), Prescription.closed_at < cutoff,
                Prescription.anonymised_at.is_(None)).limit(BATCH)).scalars())
            for pid in ids:
                db.execute(update(Prescription).where(Prescription.id == pid).values(
                    jobseeker_ref=token(), note=None, reason=None, anonymised_at=now))
            if ids:
                db.execute(update(PrescriptionEvent).where(PrescriptionEvent.prescription_id.in_(ids))
                          .values(reason=None))
        n_presc += len(ids)
        if len(ids) < BATCH:
            break
    while True:
        with database.session(write=True) as db:
            ids = list(db.execute(select(Entry.id).where(
                Entry.created_at < cutoff, Entry.anonymised_at.is_(None)).limit(BATCH)).scalars())
            for eid in ids:
                db.execute(update(Entry).where(Entry.id == eid).values(jobseeker_ref=token(), anonymised_at=now))
        n_entries += len(ids)
        if len(ids) < BATCH:
            break
    with database.session(write=True) as db:
        n_idem = idempotency.purge_before(db, cutoff)
    return Report(cutoff=cutoff, prescriptions=n_presc, entries=n_entries, idempotency_records=n_idem)
