"""The SQL of ingestion: run records, what a source already holds, `offer_source` rows, the hidden
rows an import stages (docs/imports.md).

Every function works in the caller's transaction (`db`); none commits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, func, select, text, update
from sqlmodel import Session

from app.catalogue import repository as catalogue
from app.catalogue.models import Offer, Organisation, TrainingSession
from app.imports.models import ImportRun, OfferSource

_OFFER = Offer.__table__
_SESSION = TrainingSession.__table__
_ORG = Organisation.__table__
_RUN = ImportRun.__table__
_SRC = OfferSource.__table__
CHUNK = 500  # ids per IN (...) list, hidden rows deleted per transaction


def _chunks(ids: Sequence[int], n: int = CHUNK) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


# --- run records -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RunningRun:
    id: int
    heartbeat_at: datetime | None


def serialise_run_checks(db: Session, source: str) -> None:
    """One check-then-insert of a source's run at a time: PostgreSQL takes a transaction lock here;
    SQLite needs none (write transactions begin IMMEDIATE)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"parcours-import:{source}"})


def running_runs(db: Session, source: str) -> list[RunningRun]:
    """The source's runs recorded as running (dry runs aside: they stage nothing)."""
    rows = db.execute(select(_RUN.c.id, _RUN.c.heartbeat_at).where(
        _RUN.c.source == source, _RUN.c.status == "running", _RUN.c.dry_run.is_(False)))
    return [RunningRun(r.id, r.heartbeat_at) for r in rows]


def fail_runs(db: Session, ids: Sequence[int], now: datetime, error: str) -> None:
    db.execute(update(_RUN).where(_RUN.c.id.in_(ids)).values(status="failed", finished_at=now, error=error))


def add_run(db: Session, run: ImportRun) -> int:
    db.add(run)
    db.flush()
    assert run.id is not None
    return run.id


def record_heartbeat(db: Session, run_id: int, now: datetime) -> None:
    db.execute(update(_RUN).where(_RUN.c.id == run_id).values(heartbeat_at=now))


def finish_run(db: Session, run_id: int, *, status: str, now: datetime, duration_ms: int, counts: dict[str, int],
               bytes_read: int | None, error: str | None) -> None:
    db.execute(update(_RUN).where(_RUN.c.id == run_id).values(
        status=status, finished_at=now, duration_ms=duration_ms, publish_ms=None, counts=counts, error=error,
        heartbeat_at=now, bytes_read=bytes_read))


def record_run_times(db: Session, run_id: int, duration_ms: int, publish_ms: int | None) -> None:
    db.execute(update(_RUN).where(_RUN.c.id == run_id).values(duration_ms=duration_ms, publish_ms=publish_ms))


def run_by_id(db: Session, run_id: int) -> ImportRun | None:
    return db.get(ImportRun, run_id)


def list_runs(db: Session, *, source: str | None, before: int | None, limit: int) -> list[ImportRun]:
    """Runs, most recent first; `before`: only those older than that run (the keyset of the runs list)."""
    stmt = select(ImportRun).order_by(ImportRun.id.desc())
    if source:
        stmt = stmt.where(ImportRun.source == source)
    if before is not None:
        stmt = stmt.where(ImportRun.id < before)
    return list(db.scalars(stmt.limit(limit)))


# --- what a source already holds ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SourceHead:
    """One offer of a source, as an import compares it."""

    id: int
    content_hash: str
    withdrawn: bool
    source_hash: str | None  # from offer_source (None: no fragment stored)
    source_content: str | None  # the content hash that fragment produced
    until: date | None


def source_heads(db: Session, source: str) -> dict[str, SourceHead]:
    """external_id → head of every published offer of the source (hidden rows staged by a run aside)."""
    rows = db.execute(
        select(_OFFER.c.external_id, _OFFER.c.id, _OFFER.c.content_hash, _OFFER.c.withdrawn_at,
               _OFFER.c.change_seq, _SRC.c.source_hash, _SRC.c.content_hash, _SRC.c.source_hash_until)
        .select_from(_OFFER.outerjoin(_SRC, _SRC.c.offer_id == _OFFER.c.id))
        .where(_OFFER.c.source == source))
    return {ext: SourceHead(oid, digest, withdrawn is not None, shash, scontent, until)
            for ext, oid, digest, withdrawn, seq, shash, scontent, until in rows if seq >= 0}


def max_organisation_id(db: Session) -> int:
    return db.execute(select(func.max(_ORG.c.id))).scalar() or 0


# --- offer_source ---------------------------------------------------------------------------------

def write_sources(db: Session, rows: list[dict[str, Any]], *, new_ids: set[int] | frozenset[int] = frozenset()) -> None:
    """Replace the `offer_source` rows of these offers (`new_ids`: offers just created, which have none)."""
    if not rows:
        return
    for chunk in _chunks([r["offer_id"] for r in rows if r["offer_id"] not in new_ids]):
        db.execute(delete(_SRC).where(_SRC.c.offer_id.in_(chunk)))
    catalogue.bulk_insert(db, _SRC, rows)


@dataclass(frozen=True, slots=True)
class RawSource:
    """An offer's key and the fragment it was imported from (`raw` None: published by the API)."""

    offer_id: int
    source: str
    external_id: str
    change_seq: int
    raw: str | None
    format: str | None


def raw_source(db: Session, offer_id: int) -> RawSource | None:
    row = db.execute(
        select(_OFFER.c.id, _OFFER.c.source, _OFFER.c.external_id, _OFFER.c.change_seq,
               func.coalesce(_SRC.c.raw, _OFFER.c.raw_source).label("raw"),
               func.coalesce(_SRC.c.format, _OFFER.c.raw_format).label("format"))
        .select_from(_OFFER.outerjoin(_SRC, _SRC.c.offer_id == _OFFER.c.id)).where(_OFFER.c.id == offer_id)
    ).first()
    if row is None:
        return None
    return RawSource(offer_id=row.id, source=row.source, external_id=row.external_id, change_seq=row.change_seq,
                     raw=row.raw, format=row.format)


# --- hidden rows: staged by a run (change_seq = -run id), revealed by its publish -----------------

def reveal_hidden(db: Session, run_id: int, now: datetime, seq: int) -> None:
    db.execute(update(_OFFER).where(_OFFER.c.change_seq == -run_id).values(
        withdrawn_at=None, updated_at=now, change_seq=seq))


def delete_hidden(db: Session, ids: Sequence[int], run_id: int) -> None:
    """Delete these hidden rows of the run (rows it no longer means to publish)."""
    for chunk in _chunks(ids):
        db.execute(delete(_OFFER).where(_OFFER.c.id.in_(chunk), _OFFER.c.change_seq == -run_id))


def discard_hidden_chunk(db: Session, run_id: int) -> bool:
    """Delete up to `CHUNK` hidden rows of the run with their sessions; False when none was left."""
    ids = list(db.scalars(select(_OFFER.c.id).where(_OFFER.c.change_seq == -run_id).limit(CHUNK)))
    if not ids:
        return False
    db.execute(delete(_SESSION).where(_SESSION.c.offer_id.in_(ids)))
    db.execute(delete(_OFFER).where(_OFFER.c.id.in_(ids)))
    return True


def undo_organisations(db: Session, above_id: int, renamed: dict[int, str]) -> None:
    """Delete the organisations created after `above_id` that no offer uses; restore renamed ones."""
    db.execute(delete(_ORG).where(_ORG.c.id > above_id, ~exists().where(_OFFER.c.organisation_id == _ORG.c.id)))
    for oid, name in renamed.items():
        db.execute(update(_ORG).where(_ORG.c.id == oid, _ORG.c.name != name).values(name=name))
