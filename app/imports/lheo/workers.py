"""An LHÉO feed turned into offers ready to write, in the importing process or in worker processes.

Mapping an action (text rules, validation, places, content hash, column values) costs several
times what parsing its XML costs, and a national feed holds 100,000 actions. With `workers=n`,
n processes each parse the whole document (parsing is the cheap part) and map every n-th
`formation`; the importer reads their results back in document order and only writes. The items
and their order are exactly those of `workers=0` (everything in the importing process), which small
feeds and tests use.

    mapper = feed_mapper(path_or_stream, workers=2, today=…, known={ref: source_hash})
    for item in mapper:  # Staged | Skipped | Rejected | Unchanged, in document order
        ...
    mapper.bytes_read, mapper.info  # input bytes read so far; version, root, formations

A worker that fails makes the iteration raise (`LheoDocumentError` as in-process; a crash or a
killed worker: `MappingWorkerError`), so the import rolls back. Workers are plain subprocesses
(`python -m app.imports.lheo.workers`): safe from a threaded web server, and a worker whose
importer disappears stops at its next write (broken pipe).
"""

from __future__ import annotations

import contextlib
import gc
import glob
import itertools
import os
import pickle
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import IO, Any

from app.catalogue.locations import resolve_location
from app.catalogue.rows import OfferWrite, prepare_offer
from app.catalogue.schemas import Location, LocationIn, OfferIn
from app.core.problems import Unprocessable
from app.imports.items import ParsedOffer, Rejected, SourceRow, Staged, StagedItem
from app.imports.lheo.formation import LheoItem, items_of
from app.imports.lheo.messages import read_arguments, receive, send, send_arguments
from app.imports.lheo.reader import DEFAULT_MAX_BYTES, LheoDocumentError, iter_formations

BATCH_FORMATIONS = 32  # formations per message from a worker
QUEUE_DEPTH = 32  # messages a worker may have waiting: bounds memory when the writer is slower
POLL_S = 0.5  # how often a blocked reader thread checks whether the import was stopped
PLACES_CACHED = 4096  # distinct places kept resolved; a feed's actions mostly reuse their centre's address


class MappingWorkerError(RuntimeError):
    """A worker process crashed or was killed: the import cannot know the rest of the feed."""


# ---------------------------------------------------------------------------------------------
# One process's work
# ---------------------------------------------------------------------------------------------

class _Stager:
    """ParsedOffer → Staged (places resolved once per distinct place: an action's sessions share one)."""

    def __init__(self, today: date) -> None:
        self.today = today
        self._places: dict[tuple, Location] = {}

    def stage(self, item: LheoItem) -> StagedItem:
        if not isinstance(item, ParsedOffer):
            return item
        offer = item.offer
        try:
            locations = self._resolve(offer)
        except Unprocessable as exc:
            return Rejected(item.ref, [_place_error(exc, offer)])
        ends = [s.end_date for s in offer.sessions if s.end_date is not None and s.end_date >= self.today]
        until = min(ends) + timedelta(days=1) if ends else None
        prepared = prepare_offer(OfferWrite(item.ref, offer, locations=locations))
        return Staged(item.ref, item.version, prepared,
                      SourceRow(f"lheo-{item.version}", item.raw_source, item.source_hash, until), item.warnings)

    def _resolve(self, offer: OfferIn) -> list[Location | None]:
        out: list[Location | None] = []
        for i, s in enumerate(offer.sessions):
            loc = s.location
            if loc is None:
                out.append(None)
                continue
            key = _place_key(loc)
            found = self._places.get(key)
            if found is None:
                found = resolve_location(loc, ["body", "sessions", i, "location"])
                if len(self._places) >= PLACES_CACHED:  # memory stays flat: the oldest quarter goes
                    for old in list(itertools.islice(self._places, PLACES_CACHED // 4)):
                        del self._places[old]
                self._places[key] = found
            out.append(found)
        return out


def stage_feed(source: Any, *, today: date, known: Mapping[str, str] | None, info: dict[str, Any],
               max_bytes: int = DEFAULT_MAX_BYTES, part: tuple[int, int] = (0, 1)) -> Iterator[tuple[int, list[StagedItem]]]:
    """`(formation index, items)` for the formations `index % n == k` of `part=(k, n)`, in order.
    `known`: ref → source_hash of the actions already held from that very fragment."""
    stager = _Stager(today)
    # Nothing known (a first import): no action can be unchanged, so none is asked about.
    known_fn = None if not known else (lambda ref, digest: known.get(ref) == digest)
    k, n = part
    for i, (elem, version, summary) in enumerate(iter_formations(source, max_bytes=max_bytes, info=info)):
        if i % n == k:
            yield i, [stager.stage(it) for it in items_of(elem, version, summary, today=today, known=known_fn)]


def _place_key(loc: LocationIn) -> tuple:
    return (loc.insee, loc.postcode, loc.lat, loc.lon, loc.address, loc.city, loc.departement, loc.region)


def _place_error(exc: Unprocessable, offer: OfferIn) -> str:
    """'session <numero> : lieu de formation : code INSEE inconnu : 99999'."""
    err = (exc.errors or [{}])[0]
    loc = list(err.get("loc") or [])
    msg = err.get("msg") or exc.detail
    if len(loc) >= 3 and loc[1] == "sessions" and isinstance(loc[2], int) and loc[2] < len(offer.sessions):
        return f"session {offer.sessions[loc[2]].external_id} : lieu de formation : {msg}"
    return f"lieu de formation : {msg}"


class _CountingReader:
    """A binary stream that counts what is read from it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.count = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self.count += len(data)
        return data


# ---------------------------------------------------------------------------------------------
# The mappers
# ---------------------------------------------------------------------------------------------

class InProcessMapper:
    """Everything in the importing process."""

    def __init__(self, data: IO[bytes], *, today: date, known: Mapping[str, str] | None, max_bytes: int) -> None:
        self._reader = _CountingReader(data)
        self._kw = {"today": today, "known": known, "max_bytes": max_bytes}
        self.info: dict[str, Any] = {}

    @property
    def bytes_read(self) -> int:
        return self._reader.count

    def __iter__(self) -> Iterator[StagedItem]:
        for _i, items in stage_feed(self._reader, info=self.info, **self._kw):
            yield from items

    def close(self) -> None:
        pass


class ParallelMapper:
    """`workers` processes over one file; results merged back in document order.

    Each worker is `python -m app.imports.lheo.workers` (not `multiprocessing`, whose `spawn`
    would re-run the importing program's main module): its arguments come pickled on stdin, its
    results go back on stdout as length-prefixed pickles (`app.imports.lheo.messages`), read by one
    thread per worker into a bounded queue (the worker maps ahead while this process writes, and no
    further). A stream (an HTTP body) is first copied to a temporary file each worker reads on its own."""

    def __init__(self, data: str | os.PathLike[str] | IO[bytes], *, workers: int, today: date,
                 known: Mapping[str, str] | None, max_bytes: int) -> None:
        self.workers = workers
        self._args = (today, dict(known) if known is not None else None, max_bytes)
        self._copy: str | None = None
        if isinstance(data, (str, os.PathLike)):
            self._path = os.path.abspath(os.fspath(data))
        else:
            remove_orphan_copies()
            fd, self._copy = tempfile.mkstemp(prefix=f"{COPY_PREFIX}{os.getpid()}-", suffix=".lheo")
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(data, out, 1024 * 1024)
            self._path = self._copy
        self.info: dict[str, Any] = {}
        self._read = [0] * workers
        self._procs: list[subprocess.Popen] = []
        self._queues: list[queue.Queue] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    @property
    def bytes_read(self) -> int:
        return min(self._read) if self._read else 0

    def _start(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        n = self.workers
        for k in range(n):
            proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, env=env, close_fds=True)
            self._procs.append(proc)
            q: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
            self._queues.append(q)
            t = threading.Thread(target=self._pump, args=(proc.stdout, q), name=f"lheo-map-reader-{k}", daemon=True)
            t.start()
            self._threads.append(t)
        for k, proc in enumerate(self._procs):  # all started first: they import while this one writes
            assert proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):  # it died at once: its reader sees the end of its output
                send_arguments(proc.stdin, self._path, (k, n), *self._args)

    def _pump(self, stream: IO[bytes], q: queue.Queue) -> None:
        """Reader thread: whole messages (still pickled) from one worker into its queue; None at its end."""
        try:
            while not self._stop.is_set():
                payload = receive(stream)
                if payload is None:
                    break
                self._put(q, payload)
        except (OSError, ValueError):
            pass
        finally:
            self._put(q, None)

    def _put(self, q: queue.Queue, item: bytes | None) -> None:
        while not self._stop.is_set():
            try:
                q.put(item, timeout=POLL_S)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[StagedItem]:
        self._start()
        n = self.workers
        pending: list[deque] = [deque() for _ in range(n)]
        ended = [False] * n
        i = 0
        while True:
            k = i % n
            while not pending[k] and not ended[k]:
                self._receive(k, pending, ended)
            if not pending[k]:  # worker k has no formation i: the document has ended
                break
            index, items = pending[k].popleft()
            if index != i:
                raise MappingWorkerError(f"worker {k} sent formation {index} where {i} was expected")
            yield from items
            i += 1
        for k in range(n):  # the others must agree that the document ended there
            while not ended[k]:
                self._receive(k, pending, ended)
            if pending[k]:
                raise MappingWorkerError(f"worker {k} sent formations after the end of the document")
        if self.info.get("formations") != i:
            raise MappingWorkerError(f"workers saw {self.info.get('formations')} formations, {i} were merged")

    def _receive(self, k: int, pending: list[deque], ended: list[bool]) -> None:
        payload = self._queues[k].get()
        if payload is None:
            proc = self._procs[k]
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            raise MappingWorkerError(f"LHÉO mapping worker {k} stopped before the end (exit code {code})")
        msg = pickle.loads(payload)
        kind = msg[0]
        if kind == "items":
            pending[k].extend(msg[1])
            self._read[k] = msg[2]
        elif kind == "end":
            ended[k] = True
            self.info.update(msg[1])
            self._read[k] = msg[2]
        elif kind == "error":
            code, fr, en, line = msg[1:]
            raise LheoDocumentError(code, fr, en, line=line)
        else:
            raise MappingWorkerError(f"LHÉO mapping worker {k} failed:\n{msg[1]}")

    def close(self) -> None:
        self._stop.set()
        for proc in self._procs:
            if proc.poll() is None:
                proc.kill()
        for proc in self._procs:
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        for t in self._threads:
            t.join(timeout=5)
        self._procs, self._queues, self._threads = [], [], []
        if self._copy is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._copy)
            self._copy = None


COPY_PREFIX = "parcours-import-"


def remove_orphan_copies(directory: str | None = None) -> int:
    """Delete the body copies left by importing processes that died (a `kill -9` mid-import):
    `parcours-import-<pid>-….lheo` whose process is gone. Returns how many were removed."""
    removed = 0
    folder = directory or tempfile.gettempdir()
    for path in glob.glob(os.path.join(glob.escape(folder), f"{COPY_PREFIX}*-*.lheo")):
        pid = os.path.basename(path)[len(COPY_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def feed_mapper(data: str | os.PathLike[str] | IO[bytes], *, workers: int, today: date,
                known: Mapping[str, str] | None, max_bytes: int = DEFAULT_MAX_BYTES) -> InProcessMapper | ParallelMapper:
    """`workers` ≥ 1: that many worker processes; 0: in this process (`data` then must be a stream)."""
    if workers >= 1:
        return ParallelMapper(data, workers=workers, today=today, known=known, max_bytes=max_bytes)
    if isinstance(data, (str, os.PathLike)):
        raise TypeError("in-process mapping reads an open binary stream")
    return InProcessMapper(data, today=today, known=known, max_bytes=max_bytes)


# ---------------------------------------------------------------------------------------------
# Inside a worker process
# ---------------------------------------------------------------------------------------------

def _worker_main() -> int:
    """`python -m app.imports.lheo.workers`: arguments on stdin, messages on stdout (`messages`)."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed by mistake goes to stderr, not into the message stream
    path, part, today, known, max_bytes = read_arguments(sys.stdin.buffer)
    # The worker's objects live until it exits: full collections would only walk them again.
    gc.freeze()
    gc.set_threshold(50_000, 50, 1_000)

    info: dict[str, Any] = {}
    batch: list[tuple[int, list[StagedItem]]] = []
    try:
        with open(path, "rb") as fh:
            reader = _CountingReader(fh)
            try:
                for formation in stage_feed(reader, today=today, known=known, info=info, max_bytes=max_bytes,
                                            part=part):
                    batch.append(formation)
                    if len(batch) >= BATCH_FORMATIONS:
                        send(out, ("items", batch, reader.count))
                        batch = []
            except LheoDocumentError as exc:
                send(out, ("items", batch, reader.count))
                send(out, ("error", exc.code, exc.message_fr, exc.message_en, exc.line))
                return 0
            send(out, ("items", batch, reader.count))
            send(out, ("end", info, reader.count))
    except BrokenPipeError:  # the importer is gone
        return 1
    except BaseException:  # noqa: BLE001 - reported to the importer, which fails the import
        with contextlib.suppress(BrokenPipeError):
            send(out, ("crash", traceback.format_exc()[-4000:]))
        return 1
    return 0


if __name__ == "__main__":
    # Run the copy imported under its real name, so that what this module pickles is named by
    # its real module, not `__main__`.
    from app.imports.lheo.workers import _worker_main as main

    sys.exit(main())
