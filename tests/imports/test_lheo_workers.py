"""LHÉO mapping in worker processes (app.imports.lheo.workers): the same items in the same order as
in-process mapping, document errors and crashed workers failing the import with the catalogue unchanged."""

from __future__ import annotations

import gzip
import io
import os
import threading
from pathlib import Path

import pytest
from sqlmodel import select

from app.core.db import Database
from app.imports import service as imports
from app.imports import staging
from app.imports.items import Staged
from app.imports.lheo import workers as lheo_workers
from app.imports.lheo.reader import LheoDocumentError
from app.imports.lheo.workers import MappingWorkerError, ParallelMapper, feed_mapper
from app.imports.models import ImportRun
from app.imports.service import auto_workers
from tests.conftest import unique
from tests.imports.test_imports import FIX, TODAY, gen_module, offers_of, run, snapshot

FEEDS = sorted(p.name for p in FIX.glob("*.xml"))


@pytest.fixture(scope="module")
def db(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> Path:
    """A synthetic 2.3 feed of 400 actions, with repeated actions and a few bad places."""
    path = tmp_path_factory.mktemp("feed") / "feed.xml"
    gen_module().main(["--offers", "400", "--out", str(path), "--anchor", TODAY.isoformat()])
    return path


def items(data, workers: int, known=None) -> tuple[list, dict]:
    """(items, info), or ([the items before the error…, ("error", code)], info) for a refused document."""
    stream = open(data, "rb") if workers == 0 else None  # noqa: SIM115 - closed below
    mapper = feed_mapper(stream or data, workers=workers, today=TODAY, known=known)
    out: list = []
    try:
        for it in mapper:
            out.append(it)
        return out, mapper.info
    except LheoDocumentError as exc:
        return [*out, ("error", exc.code, exc.message_fr)], {}
    finally:
        mapper.close()
        if stream:
            stream.close()


@pytest.mark.parametrize("name", FEEDS)
def test_workers_give_the_items_of_in_process_mapping(name):
    expected, info0 = items(FIX / name, 0)
    assert expected
    for workers in (1, 3):  # 2: every other test
        got, info = items(FIX / name, workers)
        assert got == expected, workers
        assert info == info0


def test_workers_on_a_synthetic_feed_and_known_fragments(feed):
    expected, _ = items(feed, 0)
    got, info = items(feed, 2)
    assert got == expected and info["formations"] > 100
    staged = [it for it in expected if isinstance(it, Staged)]
    assert len(staged) > 300
    known = {s.ref: s.source.source_hash for s in staged[::2]}
    again0, _ = items(feed, 0, known)
    again2, _ = items(feed, 2, known)
    assert again2 == again0
    assert sum(1 for it in again2 if type(it).__name__ == "Unchanged") >= len(known)


def test_an_import_with_workers_writes_what_an_import_without_writes(db, feed):
    a, b = unique("carif-w0"), unique("carif-w2")
    r0 = run(db, feed, a, mode="full", workers=0)
    r2 = run(db, feed, b, mode="full", workers=2)
    assert r2.counts() == r0.counts() and r2.warnings == r0.warnings and r2.rejected == r0.rejected
    assert r2.bytes_read == r0.bytes_read == feed.stat().st_size
    o0, o2 = offers_of(db, a), offers_of(db, b)
    assert {k: o.content_hash for k, o in o2.items()} == {k: o.content_hash for k, o in o0.items()}
    again = run(db, feed, b, mode="full", workers=2)
    assert again.unchanged == r2.created and again.created == again.updated == again.withdrawn == 0


def test_a_stream_is_copied_for_the_workers_and_the_copy_removed(db, feed, monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    body = io.BytesIO(gzip.compress(feed.read_bytes()))
    report = run(db, body, unique("carif-gz"), workers=2)
    assert report.created > 300
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "code"), [("truncated", "truncated"), ("malformed", "not_well_formed"),
                                            ("xxe", "hostile"), ("not-lheo", "not_lheo")])
def test_document_errors_come_back_from_the_workers(db, feed, tmp_path, name, code):
    data = feed.read_bytes()
    bad = {
        "truncated": data[: data.rindex(b"</formation>", 0, len(data) * 2 // 3)],
        "malformed": data.replace(b"</intitule-formation>", b"</intitule>", 40),
        "xxe": b'<?xml version="1.0"?><!DOCTYPE lheo [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b'<lheo xmlns="http://lheo.gouv.fr/2.3"><offres>&x;</offres></lheo>',
        "not-lheo": b'<?xml version="1.0"?><catalogue><formation/></catalogue>',
    }[name]
    path = tmp_path / f"{name}.xml"
    path.write_bytes(bad)
    source = unique("carif-bad")
    run(db, FIX / "fle-2.3.xml", source)
    before = snapshot(db)
    with pytest.raises(LheoDocumentError) as err:
        run(db, path, source, mode="full", workers=2)
    assert err.value.code == code
    assert snapshot(db) == before


@pytest.fixture(scope="module")
def big_feed(tmp_path_factory) -> Path:
    """2,500 actions: more than the pipes and queues between a worker and the importer can hold."""
    path = tmp_path_factory.mktemp("feed") / "big.xml"
    gen_module().main(["--offers", "2500", "--out", str(path), "--anchor", TODAY.isoformat()])
    return path


def test_a_killed_worker_fails_the_import_and_changes_nothing(db, big_feed, monkeypatch):
    source = unique("carif-kill")
    run(db, FIX / "fle-2.3.xml", source)
    before = snapshot(db)
    started: list[ParallelMapper] = []
    real_start = ParallelMapper._start

    def start(self):
        real_start(self)
        started.append(self)

    monkeypatch.setattr(ParallelMapper, "_start", start)
    monkeypatch.setattr(staging, "BATCH", 20)  # hidden rows are written before the kill
    monkeypatch.setattr(lheo_workers, "QUEUE_DEPTH", 1)  # the workers cannot be done by then

    procs: list = []

    def progress(p):
        if started and not procs:  # the first progress report: 200 actions read
            procs.extend(started[0]._procs)
            procs[1].kill()

    with pytest.raises(MappingWorkerError, match="worker 1"):
        run(db, big_feed, source, mode="full", workers=2, progress=progress)
    assert snapshot(db) == before
    with db.session() as s:
        last = s.exec(select(ImportRun).where(ImportRun.source == source).order_by(ImportRun.id.desc())).first()
    assert last.status == "failed" and "MappingWorkerError" in last.error
    assert len(procs) == 2 and all(p.poll() is not None for p in procs)  # the other one was stopped too


def test_closing_early_stops_the_workers(feed):
    mapper = ParallelMapper(feed, workers=2, today=TODAY, known=None, max_bytes=1 << 30)
    it = iter(mapper)
    next(it)
    procs = list(mapper._procs)
    threads = list(mapper._threads)
    mapper.close()
    assert all(p.poll() is not None for p in procs)
    assert not any(t.is_alive() for t in threads)


def test_a_worker_stops_when_its_importer_is_gone(feed, tmp_path):
    """The importer dies (here: stops reading and closes its end): the worker gets a broken pipe and exits."""
    mapper = ParallelMapper(feed, workers=1, today=TODAY, known=None, max_bytes=1 << 30)
    mapper._start()
    proc = mapper._procs[0]
    mapper._stop.set()  # the reader thread stops reading: as if the process were gone
    proc.stdout.close()
    assert proc.wait(timeout=60) == 1  # exits (broken pipe) instead of hanging
    mapper.close()


def test_auto_workers(monkeypatch, tmp_path, feed):
    small = tmp_path / "small.xml"
    small.write_bytes(b"<lheo/>")
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    assert auto_workers(small) == 0
    assert auto_workers(io.BytesIO(b"x" * 100)) == 0
    monkeypatch.setattr(imports, "PARALLEL_FROM", 1000)
    assert auto_workers(feed) == 2
    assert auto_workers(io.BytesIO(b"x" * 2000)) == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(16)), raising=False)
    assert auto_workers(feed) == imports.MAX_AUTO_WORKERS
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert auto_workers(feed) == 0


def test_an_import_runs_beside_other_threads(db, feed):
    """From a threaded server: two imports of two sources at once, each with its workers."""
    results: dict[str, object] = {}

    def go(name: str) -> None:
        try:
            results[name] = run(db, feed, unique(name), workers=2)
        except Exception as exc:  # noqa: BLE001 - asserted below
            results[name] = exc

    threads = [threading.Thread(target=go, args=(n,)) for n in ("carif-t1", "carif-t2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(results) == 2 and all(getattr(r, "created", 0) > 300 for r in results.values()), results


def test_copies_left_by_dead_importers_are_removed(tmp_path, monkeypatch, db, feed):
    """A server killed mid-import leaves its body copy; the next copying import removes the copies of
    processes that are gone, never those of a live one."""
    import subprocess
    import sys

    from app.imports.lheo.workers import remove_orphan_copies

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    dead = tmp_path / f"parcours-import-{dead_pid}-abc123.lheo"
    live = tmp_path / f"parcours-import-{os.getpid()}-def456.lheo"
    other = tmp_path / "parcours-import-notes.lheo"  # not a copy's name: left alone
    for p in (dead, live, other):
        p.write_bytes(b"<lheo/>")
    assert remove_orphan_copies(str(tmp_path)) == 1
    assert not dead.exists() and live.exists() and other.exists()

    dead.write_bytes(b"<lheo/>")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    run(db, io.BytesIO(feed.read_bytes()), unique("carif-orphans"), workers=2)  # copies the body: cleans first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])
