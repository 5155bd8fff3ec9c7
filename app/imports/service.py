"""LHÉO feed imports: stage outside the write lock, then publish in one short transaction.

    report = run_import(db, "feed.xml", source="carif-idf", mode="full", actor=Actor.cli())

All or nothing, and other writers (prescriptions, places) are never held up for long:

1. **Stage** (no catalogue change visible). The feed is streamed and mapped (by worker processes
   for a big one: `lheo_workers`); every action is compared with what the source already holds
   (its offers' heads and `offer_source` rows, loaded once):
   - an action whose `formation` fragment is byte-identical to the one it was last mapped from (same
     mapper, no session ended since, content not changed by a PUT since) is `unchanged` without being
     mapped at all;
   - an action that maps to the stored content hash is `unchanged` too (after the publish its stored
     raw fragment and `source_hash` are refreshed — not a catalogue change: `updated_at` stays);
   - a **new** action is written at once, in short write transactions of a few hundred offers, as a
     *hidden* row: `withdrawn_at` and `updated_at` at the epoch and `change_seq = -run_id` — invisible
     to every reader (lists, search, matching, incremental sync, prescriptions all skip withdrawn
     offers, and search/matching follow positive `change_seq` only);
   - a **changed** existing action is spilled to a compressed temporary file (memory stays flat).
   Places are resolved here: an unknown INSEE code or postcode rejects that action only.
2. Only when the parser reached the end of the document without `LheoDocumentError` (a truncated
   file is only noticed at its end) does the import go on; otherwise the hidden rows are deleted.
3. **Publish**: one write transaction applies the spilled updates through `write_offers` (the
   batched path the PUT endpoint uses), reveals the hidden rows with one indexed UPDATE
   (`change_seq = -run_id` → a new stamp, `withdrawn_at` → NULL, `updated_at` → now), withdraws what
   a full feed no longer has, and marks the run succeeded. A nightly re-import's diff is small; a
   first national import's publish is the reveal statement alone.
Any failure before the publish commits leaves the catalogue as it was: the publish transaction rolls
back, the hidden rows are deleted, organisations created for them are deleted and organisation
names they refreshed are restored. A process killed mid-import leaves hidden rows that nobody sees;
the next import of that source deletes them at once (its run is then marked failed: the lock of
`import_lock.py` tells a crashed run from a live one).

Each import is recorded in `import_run` (who, when, source, mode, counts, durations).
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import struct
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from sqlalchemy import delete, exists, func, select, text, update
from sqlmodel import Session

from app.auth.keys import Principal
from app.catalogue import repository as repo
from app.catalogue.models import ImportRun, Offer, OfferSource, Organisation, TrainingSession
from app.catalogue.rows import PreparedOffer
from app.catalogue.service import write_offers
from app.core.clock import paris_today, utcnow
from app.core.db import Database
from app.core.heap import fewer_collections
from app.core.problems import Conflict
from app.imports.items import Rejected, Skipped, SourceRow, Staged, Unchanged
from app.imports.lheo.reader import DEFAULT_MAX_BYTES, LheoDocumentError
from app.imports.lheo.workers import InProcessMapper, ParallelMapper, feed_mapper
from app.imports.lock import ImportLock

log = logging.getLogger("parcours_fle.imports")

MODES = ("delta", "full")
BATCH = 500  # offers per write_offers call
HIDDEN_AT = datetime(1970, 1, 1, tzinfo=UTC)
STALE_AFTER = timedelta(minutes=10)  # a running import without heartbeat for this long is dead
HEARTBEAT_EVERY = 30.0  # seconds
MAX_LISTED = 10_000  # rejected / warnings entries kept in a report (the totals are always exact)
# SQLite: after this long holding the writer lock (summed over staging transactions), the importer
# lets it go for `pause` seconds, so a waiting prescription or places update waits at most about this
# plus one transaction (the bound is about a second).
HOLD_BEFORE_PAUSE = 0.4
PARALLEL_FROM = 8 * 1024 * 1024  # bytes of input from which mapping runs in worker processes
MAX_AUTO_WORKERS = 4

_OFFER = Offer.__table__
_SESSION = TrainingSession.__table__
_ORG = Organisation.__table__
_RUN = ImportRun.__table__
_SRC = OfferSource.__table__


# ---------------------------------------------------------------------------------------------
# Who imports, what comes back
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Actor:
    """Who runs an import: an API key, or the command line (an operator with database access)."""

    name: str
    role: str
    key_id: int | None = None
    channel: str = "api"

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(name=principal.name, role=principal.role.value, key_id=principal.key_id, channel="api")

    @classmethod
    def cli(cls) -> Actor:
        import getpass
        import socket

        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "?"
        return cls(name=f"ligne de commande ({user}@{socket.gethostname()})"[:200], role="admin", channel="cli")


@dataclass
class ImportReport:
    """The answer of `POST /v1/imports/lheo` and of `parcours-fle import-lheo`."""

    source: str
    mode: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    skipped: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    rejected_total: int = 0
    warnings_total: int = 0
    import_id: int | None = None
    duration_ms: int = 0
    publish_ms: int | None = None
    bytes_read: int = 0
    version: str | None = None

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "withdrawn": self.withdrawn, "skipped": self.skipped, "rejected": self.rejected_total,
                "warnings": self.warnings_total}

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "withdrawn": self.withdrawn, "skipped": self.skipped, "rejected": self.rejected,
            "warnings": self.warnings, "import_id": self.import_id, "duration_ms": self.duration_ms,
            "dry_run": self.dry_run, "mode": self.mode, "source": self.source, "version": self.version,
            "rejected_total": self.rejected_total, "warnings_total": self.warnings_total,
            "publish_ms": self.publish_ms, "bytes_read": self.bytes_read,
        }


@dataclass(frozen=True)
class Progress:
    """Handed to the `progress` callback now and then while the feed is read."""

    bytes_read: int
    actions: int
    phase: str  # "stage" | "publish"


class ImportInProgress(Conflict):
    slug = "import-in-progress"


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------

def run_import(
    db: Database,
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
        pause = 0.1 if db.dialect == "sqlite" else 0.0
    if isinstance(data, (bytes, bytearray)):
        data = io.BytesIO(bytes(data))
    if workers is None:
        workers = auto_workers(data)
    job = _Import(db, source=source, actor=actor, mode=mode, dry_run=dry_run, today=today or paris_today(),
                  max_bytes=max_bytes, progress=progress, pause=pause, recheck=recheck, workers=workers)
    stream: IO[bytes] | None = None
    if workers == 0 and isinstance(data, (str, os.PathLike)):
        data = stream = open(data, "rb")  # noqa: SIM115 - closed below
    try:
        return job.run(data)
    finally:
        job.lock.release()
        if stream is not None:
            stream.close()


def auto_workers(data: str | os.PathLike[str] | IO[bytes]) -> int:
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


# ---------------------------------------------------------------------------------------------
# Spill file: changed offers and raw refreshes wait on disk, compressed, until the publish
# ---------------------------------------------------------------------------------------------

class _Spill:
    """Append-only list of picklable records in a temporary file (zlib-compressed frames)."""

    FRAME = 200

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._buffer: list[Any] = []
        self.count = 0

    def append(self, record: Any) -> None:
        self._buffer.append(record)
        self.count += 1
        if len(self._buffer) >= self.FRAME:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="parcours-import-")  # noqa: SIM115 - closed by close()
        blob = zlib.compress(pickle.dumps(self._buffer, protocol=pickle.HIGHEST_PROTOCOL), 1)
        self._file.write(struct.pack("<I", len(blob)))
        self._file.write(blob)
        self._buffer = []

    def __iter__(self) -> Iterator[Any]:
        if self._file is not None:
            self._flush()
            self._file.seek(0)
            while head := self._file.read(4):
                (size,) = struct.unpack("<I", head)
                yield from pickle.loads(zlib.decompress(self._file.read(size)))
            self._file.seek(0, io.SEEK_END)
        yield from list(self._buffer)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._buffer = []


# ---------------------------------------------------------------------------------------------
# The import itself
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Head:
    id: int
    content_hash: str
    withdrawn: bool
    source_hash: str | None  # from offer_source (None: no fragment stored)
    source_content: str | None  # the content hash that fragment produced
    until: date | None


_CREATED, _UPDATED, _UNCHANGED, _REJECTED = "created", "updated", "unchanged", "rejected"


class _Import:
    def __init__(self, db: Database, *, source: str, actor: Actor, mode: str, dry_run: bool, today: date,
                 max_bytes: int, progress: Callable[[Progress], None] | None, pause: float,
                 recheck: bool = False, workers: int = 0) -> None:
        self.db = db
        self.source = source
        self.actor = actor
        self.mode = mode
        self.dry_run = dry_run
        self.today = today
        self.max_bytes = max_bytes
        self.progress = progress
        self.pause = pause
        self.held = 0.0  # seconds the staging transactions held the writer lock since the last pause
        self.recheck = recheck
        self.workers = workers
        self.run_id = 0
        self.lock = ImportLock(db, source)  # held while the run is alive (app/imports/lock.py)
        self.report = ImportReport(source=source, mode=mode, dry_run=dry_run)
        self.heads: dict[str, _Head] = {}
        self.status: dict[str, str] = {}  # final outcome per action ref (last occurrence wins)
        self.rejected: dict[str, list[str]] = {}
        self.warnings: dict[str, list[str]] = {}
        self.listed_warnings = 0
        self.new_batch: dict[str, tuple[PreparedOffer, SourceRow]] = {}
        self.hidden: dict[str, int] = {}  # ref → id of the hidden row written for it
        self.updates = _Spill()  # (seq, PreparedOffer, SourceRow) for changed existing offers
        self.refresh = _Spill()  # (seq, ref, offer id, SourceRow, content hash) for unchanged ones
        self.last_seq: dict[str, int] = {}
        self.seq = 0
        self.max_org_id = 0
        self.renamed: dict[int, str] = {}  # organisation id → name before a staging batch refreshed it
        self.last_beat = time.monotonic()
        self.mapper: InProcessMapper | ParallelMapper | None = None
        self.version: str | None = None
        self.actions = 0

    # --- orchestration ---------------------------------------------------------------------

    def run(self, data: str | os.PathLike[str] | IO[bytes]) -> ImportReport:
        with fewer_collections():
            return self._run(data)

    def _run(self, data: str | os.PathLike[str] | IO[bytes]) -> ImportReport:
        t0 = time.perf_counter()
        self._open_run()
        try:
            self._load_heads()
            self._stage(data)
            if self.dry_run:
                self._count_withdrawals()
                self._finish("succeeded", t0)
                return self.report
            self._flush_new()
            self._drop_superseded()
            self._publish(t0)
        except LheoDocumentError as exc:
            exc.import_id = self.run_id  # type: ignore[attr-defined]
            self._abort("refused", exc.message_fr, t0)
            raise
        except BaseException as exc:
            self._abort("failed", f"{type(exc).__name__}: {exc}"[:2000], t0)
            raise
        finally:
            self.updates.close()
        # Published: what follows is bookkeeping; a failure here must not undo anything.
        try:
            self._refresh_sources()
            self._finish("succeeded", t0)
        except Exception:
            log.exception("import %s: published, but its bookkeeping failed", self.run_id)
        finally:
            self.refresh.close()
        return self.report

    def _open_run(self) -> None:
        now = utcnow()
        stale: list[int] = []
        # True: another live process imports this source; False: none does, so a "running" row is
        # the trace of a crashed one; None: unknown here (in-memory SQLite), heartbeats decide.
        others_alive = None
        if not self.dry_run:
            got = self.lock.acquire()
            others_alive = None if got is None else not got
        with self.db.session(write=True) as s:
            if self.db.dialect == "postgresql":  # one check-then-insert at a time per source (SQLite: BEGIN IMMEDIATE)
                s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"parcours-import:{self.source}"})
            if not self.dry_run:
                for rid, beat in s.execute(select(_RUN.c.id, _RUN.c.heartbeat_at).where(
                        _RUN.c.source == self.source, _RUN.c.status == "running", _RUN.c.dry_run.is_(False))):
                    alive = (others_alive if others_alive is not None
                             else beat is not None and now - _aware(beat) < STALE_AFTER)
                    if alive:
                        raise ImportInProgress(
                            f"Un import de la source « {self.source} » est déjà en cours (n°{rid}) : "
                            "réessayez quand il sera terminé.", extra={"import_id": rid})
                    stale.append(rid)
                if others_alive:  # it holds the lock but has not recorded its run yet
                    raise ImportInProgress(f"Un import de la source « {self.source} » est déjà en cours : "
                                           "réessayez quand il sera terminé.")
                if stale:
                    s.execute(update(_RUN).where(_RUN.c.id.in_(stale)).values(
                        status="failed", finished_at=now,
                        error="interrompu : le processus d'import s'est arrêté avant la fin (nettoyé par l'import suivant)"))
            run = ImportRun(source=self.source, mode=self.mode, dry_run=self.dry_run, channel=self.actor.channel,
                            actor_key_id=self.actor.key_id, actor_name=self.actor.name[:200],
                            actor_role=self.actor.role[:10], status="running", started_at=now, heartbeat_at=now)
            s.add(run)
            s.flush()
            self.run_id = run.id
        self.report.import_id = self.run_id
        for rid in stale:
            _discard_hidden(self.db, rid)

    def _load_heads(self) -> None:
        with self.db.session() as s:
            rows = s.execute(
                select(_OFFER.c.external_id, _OFFER.c.id, _OFFER.c.content_hash, _OFFER.c.withdrawn_at,
                       _OFFER.c.change_seq, _SRC.c.source_hash, _SRC.c.content_hash, _SRC.c.source_hash_until)
                .select_from(_OFFER.outerjoin(_SRC, _SRC.c.offer_id == _OFFER.c.id))
                .where(_OFFER.c.source == self.source))
            self.heads = {ext: _Head(oid, digest, withdrawn is not None, shash, scontent, until)
                          for ext, oid, digest, withdrawn, seq, shash, scontent, until in rows if seq >= 0}
            self.max_org_id = s.execute(select(func.max(_ORG.c.id))).scalar() or 0

    def _known(self) -> dict[str, str] | None:
        """ref → source_hash of the actions whose stored fragment still maps to their stored content:
        the same fragment again is `unchanged` without being mapped."""
        if self.recheck:
            return None
        return {ref: h.source_hash for ref, h in self.heads.items()
                if not h.withdrawn and h.source_hash is not None and h.source_content == h.content_hash
                and (h.until is None or self.today < h.until)}

    # --- stage -----------------------------------------------------------------------------

    def _stage(self, data: str | os.PathLike[str] | IO[bytes]) -> None:
        tick = 0
        self.mapper = feed_mapper(data, workers=self.workers, today=self.today, known=self._known(),
                                  max_bytes=self.max_bytes)
        try:
            for item in self.mapper:
                self.actions += 1
                if isinstance(item, Unchanged):
                    self._set(item.ref, _UNCHANGED)
                elif isinstance(item, Staged):
                    self.version = item.version
                    self._staged(item)
                elif isinstance(item, Skipped):
                    self.report.skipped += 1
                elif isinstance(item, Rejected):
                    self._reject(item.ref, item.errors)
                tick += 1
                if tick >= 200:
                    tick = 0
                    self._tick()
        finally:
            self.mapper.close()
        info = self.mapper.info
        self.version = info.get("version", self.version)
        self.report.version = self.version
        if info.get("root") == "lheo-index" and self.mode == "full":
            raise LheoDocumentError(
                "not_lheo",
                "Un document <lheo-index> ne contient que des résumés d'offres : il ne peut pas servir d'import "
                "complet (mode=full retirerait toutes les offres de la source). Envoyez le flux <lheo> complet.",
                "An <lheo-index> document only holds offer summaries: it cannot be a full import.")

    def _tick(self) -> None:
        if self.progress is not None and self.mapper is not None:
            self.progress(Progress(self.mapper.bytes_read, self.actions, "stage"))
        if time.monotonic() - self.last_beat > HEARTBEAT_EVERY:
            self._beat()

    def _beat(self, s: Session | None = None) -> None:
        self.last_beat = time.monotonic()
        stmt = update(_RUN).where(_RUN.c.id == self.run_id).values(heartbeat_at=utcnow())
        if s is not None:
            s.execute(stmt)
            return
        with self.db.session(write=True) as own:
            own.execute(stmt)

    def _set(self, ref: str, outcome: str) -> None:
        if ref in self.status:  # a repeated action: the last occurrence wins
            self._drop_warnings(ref)
            self.rejected.pop(ref, None)
            self._warn(ref, "action présente plusieurs fois dans le flux : la dernière occurrence est retenue")
        self.status[ref] = outcome

    def _warn(self, ref: str, msg: str) -> None:
        self.report.warnings_total += 1
        if self.listed_warnings < MAX_LISTED:
            self.warnings.setdefault(ref, []).append(msg)
            self.listed_warnings += 1

    def _drop_warnings(self, ref: str) -> None:
        dropped = self.warnings.pop(ref, None)
        if dropped:
            self.listed_warnings -= len(dropped)
            self.report.warnings_total -= len(dropped)

    def _reject(self, ref: str, errors: list[str]) -> None:
        self._set(ref, _REJECTED)
        self._drop_warnings(ref)
        self.rejected[ref] = errors

    def _staged(self, item: Staged) -> None:
        ref, offer, src = item.ref, item.offer, item.source
        head = self.heads.get(ref)
        if head is None:
            self._set(ref, _CREATED)
            if not self.dry_run:
                offer.values.update(withdrawn_at=HIDDEN_AT, updated_at=HIDDEN_AT, change_seq=-self.run_id)
                self.new_batch.pop(ref, None)
                self.new_batch[ref] = (offer, src)
                if len(self.new_batch) >= BATCH:
                    self._flush_new()
        elif not head.withdrawn and head.content_hash == offer.digest:
            self._set(ref, _UNCHANGED)
            if not self.dry_run and (head.source_hash, head.source_content, head.until) != (
                    src.source_hash, head.content_hash, src.until):
                self.seq += 1
                self.last_seq[ref] = self.seq
                self.refresh.append((self.seq, ref, head.id, src, head.content_hash))
        else:
            self._set(ref, _UPDATED)
            if not self.dry_run:
                self.seq += 1
                self.last_seq[ref] = self.seq
                self.updates.append((self.seq, offer, src))
        for msg in item.warnings:
            self._warn(ref, msg)

    def _flush_new(self) -> None:
        """Write the pending new offers as hidden rows, in their own short write transaction."""
        if not self.new_batch:
            return
        batch, self.new_batch = list(self.new_batch.values()), {}
        began = time.perf_counter()
        with self.db.session(write=True) as s:
            # A row that appeared meanwhile (a PUT on that key) is an update, published with the rest.
            exists_now = repo.offer_heads(s, self.source, [w.external_id for w, _ in batch])
            ours = {ext for ext, h in exists_now.items() if h.id == self.hidden.get(ext)}
            writes: list[PreparedOffer] = []
            srcs: list[SourceRow] = []
            for w, src in batch:
                if w.external_id in exists_now and w.external_id not in ours:
                    for k in ("withdrawn_at", "updated_at", "change_seq"):
                        w.values.pop(k, None)
                    self.status[w.external_id] = _UPDATED
                    self.seq += 1
                    self.last_seq[w.external_id] = self.seq
                    self.updates.append((self.seq, w, src))
                else:
                    writes.append(w)
                    srcs.append(src)
            if writes:
                # seq=0: hidden rows carry no stamp (offers get -run_id from `extra`), so search and
                # matching ignore them, and the catalogue counter is not locked (PostgreSQL).
                results = write_offers(s, self.source, writes, seq=0, existing=exists_now, renamed=self.renamed)
                for w, r in zip(writes, results, strict=True):
                    self.hidden[w.external_id] = r.offer_id
                _write_sources(s, [src.row(r.offer_id, w.digest) for w, src, r in zip(writes, srcs, results,
                                                                                       strict=True)],
                               new_ids={r.offer_id for r in results if r.created})
            self._beat(s)
        self._let_writers_in(time.perf_counter() - began)

    def _let_writers_in(self, held: float) -> None:
        if not self.pause:
            return
        self.held += held
        if self.held >= HOLD_BEFORE_PAUSE:
            time.sleep(self.pause)
            self.held = 0.0

    # --- publish ---------------------------------------------------------------------------

    def _present(self) -> set[str]:
        return set(self.status)

    def _count_withdrawals(self) -> None:
        if self.mode == "full":
            present = self._present()
            self.report.withdrawn = sum(1 for ext, h in self.heads.items() if not h.withdrawn and ext not in present)
        self._tally()

    def _tally(self) -> None:
        r = self.report
        counts = {_CREATED: 0, _UPDATED: 0, _UNCHANGED: 0, _REJECTED: 0}
        for outcome in self.status.values():
            counts[outcome] += 1
        r.created, r.updated, r.unchanged = counts[_CREATED], counts[_UPDATED], counts[_UNCHANGED]
        r.rejected_total = counts[_REJECTED]
        r.rejected = [{"ref": ref, "errors": errs} for ref, errs in list(self.rejected.items())[:MAX_LISTED]]
        r.warnings = [{"ref": ref, "msg": m} for ref, msgs in self.warnings.items() for m in msgs]
        r.bytes_read = self.mapper.bytes_read if self.mapper else 0

    def _drop_superseded(self) -> None:
        """After a complete parse: drop hidden rows whose action ended up not created (a repeated
        action whose last occurrence was rejected)."""
        dropped = [oid for ext, oid in self.hidden.items() if self.status.get(ext) != _CREATED]
        if dropped:
            with self.db.session(write=True) as s:
                for chunk in _chunks(dropped):
                    s.execute(delete(_OFFER).where(_OFFER.c.id.in_(chunk), _OFFER.c.change_seq == -self.run_id))

    def _refresh_sources(self) -> None:
        """After the publish: store the new raw fragment and `source_hash` of offers whose content did
        not change (so the next import skips them). Not a catalogue change: no stamp, `updated_at`
        kept. Lost if the process dies now, which only means the next import maps them again."""
        batch: list[dict[str, Any]] = []
        for seq, ref, oid, src, content in self.refresh:
            if self.last_seq.get(ref) != seq or self.status.get(ref) != _UNCHANGED:
                continue
            batch.append(src.row(oid, content))
            if len(batch) >= BATCH:
                self._apply_refresh(batch)
                batch = []
        self._apply_refresh(batch)

    def _apply_refresh(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        began = time.perf_counter()
        with self.db.session(write=True) as s:
            _write_sources(s, rows)
        self._let_writers_in(time.perf_counter() - began)

    def _publish(self, t0: float) -> None:
        if self.progress is not None and self.mapper is not None:
            self.progress(Progress(self.mapper.bytes_read, self.actions, "publish"))
        present = self._present()
        withdraw = ([h.id for ext, h in self.heads.items() if not h.withdrawn and ext not in present]
                    if self.mode == "full" else [])
        self._tally()
        started = time.perf_counter()
        with self.db.session(write=True) as s:
            now = utcnow()
            batch: list[tuple[PreparedOffer, SourceRow]] = []
            for seq, w, src in self.updates:
                if self.last_seq.get(w.external_id) != seq or self.status.get(w.external_id) != _UPDATED:
                    continue
                batch.append((w, src))
                if len(batch) >= BATCH:
                    self._apply_updates(s, batch, now)
                    batch = []
            self._apply_updates(s, batch, now)
            if self.hidden or withdraw:
                seq = repo.next_change_seq(s)
                if self.hidden:
                    s.execute(update(_OFFER).where(_OFFER.c.change_seq == -self.run_id).values(
                        withdrawn_at=None, updated_at=now, change_seq=seq))
                if withdraw:
                    repo.withdraw_offers(s, withdraw, now, seq)
            self.report.withdrawn = len(withdraw)
            self._finish_stmt(s, "succeeded", t0, publish_ms=None)
        self.report.publish_ms = round((time.perf_counter() - started) * 1000)

    def _apply_updates(self, s: Session, batch: list[tuple[PreparedOffer, SourceRow]], now: datetime) -> None:
        if not batch:
            return
        results = write_offers(s, self.source, [w for w, _ in batch], now=now)
        _write_sources(s, [src.row(r.offer_id, w.digest) for (w, src), r in zip(batch, results, strict=True)])

    # --- end of run ------------------------------------------------------------------------

    def _finish_stmt(self, s: Session, status: str, t0: float, *, publish_ms: int | None,
                     error: str | None = None) -> None:
        self.report.duration_ms = round((time.perf_counter() - t0) * 1000)
        s.execute(update(_RUN).where(_RUN.c.id == self.run_id).values(
            status=status, finished_at=utcnow(), duration_ms=self.report.duration_ms, publish_ms=publish_ms,
            counts=self.report.counts(), error=error, heartbeat_at=utcnow(),
            bytes_read=self.mapper.bytes_read if self.mapper else None))

    def _finish(self, status: str, t0: float) -> None:
        if self.dry_run:
            with self.db.session(write=True) as s:
                self._finish_stmt(s, status, t0, publish_ms=None)
        else:
            self.report.duration_ms = round((time.perf_counter() - t0) * 1000)
            with self.db.session(write=True) as s:  # the publish committed: record its real lock time
                s.execute(update(_RUN).where(_RUN.c.id == self.run_id).values(
                    duration_ms=self.report.duration_ms, publish_ms=self.report.publish_ms))
        r = self.report
        log.info("import %s %s", self.run_id, status, extra={
            "event": "import", "source": self.source, "count": r.created + r.updated + r.withdrawn,
            "duration_ms": r.duration_ms})

    def _abort(self, status: str, error: str, t0: float) -> None:
        """Undo what staging wrote (hidden rows, organisations), then record the run's end."""
        try:
            if not self.dry_run:
                _discard_hidden(self.db, self.run_id)
                self._undo_organisations()
        finally:
            if self.run_id:
                with self.db.session(write=True) as s:
                    self._finish_stmt(s, status, t0, publish_ms=None, error=error)

    def _undo_organisations(self) -> None:
        with self.db.session(write=True) as s:
            s.execute(delete(_ORG).where(_ORG.c.id > self.max_org_id,
                                         ~exists().where(_OFFER.c.organisation_id == _ORG.c.id)))
            for oid, name in self.renamed.items():
                s.execute(update(_ORG).where(_ORG.c.id == oid, _ORG.c.name != name).values(name=name))


def _discard_hidden(db: Database, run_id: int) -> None:
    """Delete the hidden rows a run staged (sessions and links go with them), a chunk at a time."""
    while True:
        with db.session(write=True) as s:
            ids = [r[0] for r in s.execute(select(_OFFER.c.id).where(_OFFER.c.change_seq == -run_id).limit(BATCH))]
            if not ids:
                return
            s.execute(delete(_SESSION).where(_SESSION.c.offer_id.in_(ids)))
            s.execute(delete(_OFFER).where(_OFFER.c.id.in_(ids)))


def _write_sources(s: Session, rows: list[dict[str, Any]], *, new_ids: set[int] | frozenset[int] = frozenset()) -> None:
    """Replace the `offer_source` rows of these offers (`new_ids`: offers just created, which have none)."""
    if not rows:
        return
    for chunk in _chunks([r["offer_id"] for r in rows if r["offer_id"] not in new_ids]):
        s.execute(delete(_SRC).where(_SRC.c.offer_id.in_(chunk)))
    repo.bulk_insert(s, _SRC, rows)


def _chunks(seq: list, n: int = BATCH) -> Iterator[list]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
