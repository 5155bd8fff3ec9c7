"""An import's record in `import_run`, from open to end: who, when, its heartbeat, how it ended.

Opening a run refuses a source that a live import holds. The lock of app/imports/lock.py tells a
crashed run from a live one; where no such lock exists (in-memory SQLite), a run without heartbeat
for `STALE_AFTER` is dead. A dead run is marked failed, and the hidden rows it staged are deleted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from app.core.clock import utcnow
from app.core.db import Database
from app.core.problems import Conflict
from app.imports import repository
from app.imports.lock import ImportLock
from app.imports.models import ImportRun
from app.imports.report import Actor, ImportReport

log = logging.getLogger("parcours_fle.imports")

STALE_AFTER = timedelta(minutes=10)  # a running import without heartbeat for this long is dead
HEARTBEAT_EVERY = 30.0  # seconds
DEAD_RUN_ERROR = "interrompu : le processus d'import s'est arrêté avant la fin (nettoyé par l'import suivant)"


class ImportInProgress(Conflict):
    slug = "import-in-progress"


def discard_hidden(database: Database, run_id: int) -> None:
    """Delete the hidden rows a run staged (sessions and links go with them), a chunk per transaction."""
    while True:
        with database.session(write=True) as db:
            if not repository.discard_hidden_chunk(db, run_id):
                return


class Run:
    """One import's record. `lock` is held from `open` until the caller releases it."""

    def __init__(self, database: Database, *, source: str, mode: str, dry_run: bool, actor: Actor) -> None:
        self.database = database
        self.source = source
        self.mode = mode
        self.dry_run = dry_run
        self.actor = actor
        self.id = 0
        self.lock = ImportLock(database, source)
        self.started = time.perf_counter()
        self.last_beat = time.monotonic()

    def open(self) -> None:
        """Record the run as running, or raise `ImportInProgress`; clean what dead runs left."""
        self.started = time.perf_counter()
        now = utcnow()
        # True: another live process imports this source; False: none does, so a "running" row is
        # the trace of a crashed one; None: unknown here (in-memory SQLite), heartbeats decide.
        others_alive = None
        if not self.dry_run:
            got = self.lock.acquire()
            others_alive = None if got is None else not got
        with self.database.session(write=True) as db:
            repository.serialise_run_checks(db, self.source)
            dead = [] if self.dry_run else self._dead_runs(db, others_alive, now)
            if dead:
                repository.fail_runs(db, dead, now, DEAD_RUN_ERROR)
            self.id = repository.add_run(db, ImportRun(
                source=self.source, mode=self.mode, dry_run=self.dry_run, channel=self.actor.channel,
                actor_key_id=self.actor.key_id, actor_name=self.actor.name[:200], actor_role=self.actor.role[:10],
                status="running", started_at=now, heartbeat_at=now))
        for run_id in dead:
            discard_hidden(self.database, run_id)

    def _dead_runs(self, db: Session, others_alive: bool | None, now: datetime) -> list[int]:
        """The source's runs recorded as running whose process is gone; raises if one is alive."""
        dead: list[int] = []
        for run in repository.running_runs(db, self.source):
            alive = (others_alive if others_alive is not None
                     else run.heartbeat_at is not None and now - run.heartbeat_at < STALE_AFTER)
            if alive:
                raise ImportInProgress(
                    f"Un import de la source « {self.source} » est déjà en cours (n°{run.id}) : "
                    "réessayez quand il sera terminé.", extra={"import_id": run.id})
            dead.append(run.id)
        if others_alive:  # it holds the lock but has not recorded its run yet
            raise ImportInProgress(f"Un import de la source « {self.source} » est déjà en cours : "
                                   "réessayez quand il sera terminé.")
        return dead

    def beat(self, db: Session | None = None) -> None:
        """Record that the run is alive, in `db`'s transaction or in one of its own."""
        self.last_beat = time.monotonic()
        if db is not None:
            repository.record_heartbeat(db, self.id, utcnow())
            return
        with self.database.session(write=True) as own:
            repository.record_heartbeat(own, self.id, utcnow())

    def beat_if_due(self) -> None:
        if time.monotonic() - self.last_beat > HEARTBEAT_EVERY:
            self.beat()

    def elapsed_ms(self) -> int:
        return round((time.perf_counter() - self.started) * 1000)

    def finish(self, db: Session, status: str, report: ImportReport, *, bytes_read: int | None,
               error: str | None = None) -> None:
        """Record the run's end in `db`'s transaction (a published run: the publish transaction)."""
        report.duration_ms = self.elapsed_ms()
        repository.finish_run(db, self.id, status=status, now=utcnow(), duration_ms=report.duration_ms,
                              counts=report.counts(), bytes_read=bytes_read, error=error)

    def succeeded(self, report: ImportReport, *, bytes_read: int | None) -> None:
        """A dry run records its end now; a published run's end was recorded by its publish
        transaction: its whole duration and the publish's real lock time are recorded now."""
        if self.dry_run:
            with self.database.session(write=True) as db:
                self.finish(db, "succeeded", report, bytes_read=bytes_read)
        else:
            report.duration_ms = self.elapsed_ms()
            with self.database.session(write=True) as db:
                repository.record_run_times(db, self.id, report.duration_ms, report.publish_ms)
        log.info("import %s %s", self.id, "succeeded", extra={
            "event": "import", "source": self.source, "count": report.created + report.updated + report.withdrawn,
            "duration_ms": report.duration_ms})

    def abort(self, status: str, error: str, report: ImportReport, *, bytes_read: int | None,
              undo: Callable[[], None]) -> None:
        """Undo what staging wrote (`undo`), then record the run's end (failed, or refused)."""
        try:
            if not self.dry_run:
                undo()
        finally:
            if self.id:
                with self.database.session(write=True) as db:
                    self.finish(db, status, report, bytes_read=bytes_read, error=error)
