"""LHÉO feed imports: stage outside the write lock, then publish in one short transaction.

    report = run_import(database, "feed.xml", source="carif-idf", mode="full", actor=Actor.cli())

All or nothing, and other writers (prescriptions, places) are never held up for long:

1. **Open the run** (app/imports/runs.py): recorded in `import_run`; refused while another live
   import holds the source; what a dead one left is deleted.
2. **Stage** (app/imports/staging.py; no catalogue change visible). The feed is streamed and mapped
   (by worker processes for a big one: app/imports/lheo/workers.py); an action whose fragment is
   byte-identical to the one it was last mapped from is not mapped at all. New offers are written
   as hidden rows, changed ones spilled to disk. Places are resolved by the mapper: an unknown INSEE
   code or postcode rejects that action only.
3. Only when the reader reached the end of the document without `LheoDocumentError` (a truncated
   file is only noticed at its end) does the import go on.
4. **Publish** (app/imports/publish.py): one write transaction applies the changes, reveals the
   hidden rows, withdraws what a full feed no longer has and marks the run succeeded.
Any failure before the publish commits leaves the catalogue as it was: the publish transaction rolls
back, and staging is undone (hidden rows, organisations created or renamed for them). A process
killed mid-import leaves hidden rows that nobody sees; the next import of that source deletes them.

This module is the only one that knows the feed is LHÉO: staging and publish read the format-neutral
items of app/imports/items.py.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import IO

from app.core.clock import paris_today
from app.core.db import Database
from app.core.heap import fewer_collections
from app.imports import publish
from app.imports.lheo.reader import DEFAULT_MAX_BYTES, LheoDocumentError
from app.imports.lheo.workers import InProcessMapper, ParallelMapper, feed_mapper
from app.imports.outcomes import Outcomes
from app.imports.report import Actor, ImportReport, Progress
from app.imports.runs import Run
from app.imports.staging import Staging, WriterPause

log = logging.getLogger("parcours_fle.imports")

MODES = ("delta", "full")
PARALLEL_FROM = 8 * 1024 * 1024  # bytes of input from which mapping runs in worker processes
MAX_AUTO_WORKERS = 4

Input = str | os.PathLike[str] | IO[bytes]


def run_import(
    database: Database,
    data: str | os.PathLike[str] | bytes | IO[bytes],
    *,
    source: str,
    actor: Actor,
    mode: str = "delta",
    dry_run: bool = False,
    today: date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[Progress], None] | None = None,
    pause: float | None = None,
    recheck: bool = False,
    workers: int | None = None,
) -> ImportReport:
    """Import one LHÉO document for `source` (see the module docstring). Raises `LheoDocumentError`
    (nothing changed; the run is recorded as refused), `ImportInProgress` when another import of the
    source is running, or whatever failed (nothing changed; the run is recorded as failed).

    `recheck`: map every action again, even those whose fragment did not change (to see all warnings).
    `pause`: seconds the importer lets the writer lock go after its staging transactions held it for
    `HOLD_BEFORE_PAUSE`, so that waiting writers get in (default: 0.1 s on SQLite, whose waiting writers
    poll every ≤ 100 ms; 0 on PostgreSQL, which queues them).
    `workers`: processes that map the feed while this one writes (`app.imports.lheo.workers`); 0: map
    here; None: one per CPU (at most 4) for inputs of 8 MB or more, else 0."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if pause is None:
        pause = 0.1 if database.dialect == "sqlite" else 0.0
    if isinstance(data, (bytes, bytearray)):
        data = io.BytesIO(bytes(data))
    if workers is None:
        workers = auto_workers(data)
    run = Run(database, source=source, mode=mode, dry_run=dry_run, actor=actor)
    stream: IO[bytes] | None = None
    if workers == 0 and isinstance(data, (str, os.PathLike)):
        data = stream = open(data, "rb")  # noqa: SIM115 - closed below
    feed = _Feed(data, today=today or paris_today(), max_bytes=max_bytes, recheck=recheck, workers=workers,
                 progress=progress)
    try:
        with fewer_collections():
            return _import(database, run, feed, WriterPause(pause))
    finally:
        run.lock.release()
        if stream is not None:
            stream.close()


def auto_workers(data: Input) -> int:
    """Worker processes for an input: none for a small one (starting them costs ~0.5 s), else one per
    CPU, at most `MAX_AUTO_WORKERS` (each parses the whole document: more would mostly parse)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cpus < 2:
        return 0
    size = None
    if isinstance(data, (str, os.PathLike)):
        size = os.path.getsize(data)
    elif getattr(data, "seekable", lambda: False)():
        here = data.tell()
        size = data.seek(0, io.SEEK_END) - here
        data.seek(here)
    if size is not None and size < PARALLEL_FROM:
        return 0
    return min(cpus, MAX_AUTO_WORKERS)


@dataclass
class _Feed:
    """The LHÉO document an import reads, how it reads it, and its mapper once reading began."""

    data: Input
    today: date
    max_bytes: int
    recheck: bool
    workers: int
    progress: Callable[[Progress], None] | None
    mapper: InProcessMapper | ParallelMapper | None = None

    @property
    def bytes_read(self) -> int | None:
        return self.mapper.bytes_read if self.mapper is not None else None

    def tell(self, actions: int, phase: str) -> None:
        if self.progress is not None and self.mapper is not None:
            self.progress(Progress(self.mapper.bytes_read, actions, phase))


def _import(database: Database, run: Run, feed: _Feed, pause: WriterPause) -> ImportReport:
    report = ImportReport(source=run.source, mode=run.mode, dry_run=run.dry_run)
    outcomes = Outcomes(report)
    run.open()
    report.import_id = run.id
    staging = Staging(database, run, outcomes, pause)
    try:
        staging.load()
        _stage(feed, staging, report)
        if run.dry_run:
            if run.mode == "full":
                report.withdrawn = len(staging.existing.absent(outcomes.present()))
            outcomes.tally(feed.bytes_read or 0)
            run.succeeded(report, bytes_read=feed.bytes_read)
            return report
        staging.flush()
        staging.drop_superseded()
        feed.tell(staging.actions, "publish")
        outcomes.tally(feed.bytes_read or 0)
        publish.publish_run(database, run, staging, report)
    except LheoDocumentError as exc:
        exc.import_id = run.id  # type: ignore[attr-defined]
        run.abort("refused", exc.message_fr, report, bytes_read=feed.bytes_read, undo=staging.undo)
        raise
    except BaseException as exc:
        run.abort("failed", f"{type(exc).__name__}: {exc}"[:2000], report, bytes_read=feed.bytes_read,
                  undo=staging.undo)
        raise
    finally:
        staging.pending.updates.close()
    # Published: what follows is bookkeeping; a failure here must not undo anything.
    try:
        publish.refresh_sources(database, staging)
        run.succeeded(report, bytes_read=feed.bytes_read)
    except Exception:
        log.exception("import %s: published, but its bookkeeping failed", run.id)
    finally:
        staging.pending.refreshes.close()
    return report


def _stage(feed: _Feed, staging: Staging, report: ImportReport) -> None:
    """Read the whole document through the LHÉO mapper into `staging`."""
    known = None if feed.recheck else staging.existing.known(feed.today)
    mapper = feed.mapper = feed_mapper(feed.data, workers=feed.workers, today=feed.today, known=known,
                                       max_bytes=feed.max_bytes)

    def tick(actions: int) -> None:
        feed.tell(actions, "stage")
        staging.run.beat_if_due()

    try:
        staging.stage(mapper, tick)
    finally:
        mapper.close()
    report.version = mapper.info.get("version", staging.version)
    if mapper.info.get("root") == "lheo-index" and staging.run.mode == "full":
        raise LheoDocumentError(
            "not_lheo",
            "Un document <lheo-index> ne contient que des résumés d'offres : il ne peut pas servir d'import "
            "complet (mode=full retirerait toutes les offres de la source). Envoyez le flux <lheo> complet.",
            "An <lheo-index> document only holds offer summaries: it cannot be a full import.")
