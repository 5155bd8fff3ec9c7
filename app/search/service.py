"""Keeping the index in sync with the catalogue, and answering searches.

Both engines learn about changes the same way: every catalogue write (PUT, DELETE, places, LHÉO
import, and any later writer that follows the rule) draws a change stamp and puts it on the
offer and session rows it touched (`change_seq`), in the write's own transaction. So the changes
an index lacks are "offers stamped above its bookmark" — no outbox to write, nothing to forget.
The bookmark only moves up to the horizon's `safe` stamp (app/catalogue/stamps.py): rows stamped
above it are read again until every transaction that drew a lower stamp has ended.

- Embedded engine (`EmbeddedSync`): each process holds its own index and, before every search,
  compares the last stamp drawn (one cheap read) with its bookmark and applies the offers changed
  since, under the engine lock. A write is therefore searchable in every worker
  as soon as its transaction has committed, which is before its response is sent.
- Meilisearch (`MeiliIndexer`): one background thread per server process, pushing only in the
  deployment's leader (app/core/leader.py); a lease row (`search_indexer`) also lets one process
  at a time push (the leader, or a CLI import when no server leads). It reads the stamps' horizon,
  pushes the offers changed after `pushed_seq` (batches of 1,000, tasks awaited), then advances
  `pushed_seq` to `safe`. Pushes
  are idempotent: a push that fails halfway is simply redone. While Meilisearch is down writes go
  on; the lag is pushed when it answers again, and /readyz says so.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session

from app.catalogue.stamps import change_horizon
from app.core.clock import utcnow
from app.core.db import Database
from app.core.leader import Leadership
from app.core.settings import Settings
from app.search.documents import changed_offer_ids, iter_documents, load_documents
from app.search.embedded import EmbeddedEngine, build_state
from app.search.meili import MeiliClient, MeiliEngine, MeiliError, MeiliUnavailable, index_version
from app.search.models import SearchIndexerState
from app.search.port import EngineUnavailable, SearchEngine, SearchHits, SearchQuery, Suggestion

log = logging.getLogger("parcours_fle.search")

LEASE_SECONDS = 30.0
POLL_SECONDS = 0.1
LAG_DEGRADED_SECONDS = 30.0
# Retry delay while Meilisearch fails: 1 s doubling up to this. A failed round costs one refused
# connection; a long cap only delays the catch-up once it answers again (docs/trust.md).
MAX_BACKOFF_SECONDS = 5.0


def _apply_changes(engine: SearchEngine, db: Session, since_seq: int) -> int:
    ids = changed_offer_ids(db, since_seq)
    if not ids:
        return 0
    docs = load_documents(db, ids)
    gone = [i for i in ids if i not in docs]
    if gone:
        engine.delete(gone)
    if docs:
        engine.index(docs.values())
    return len(ids)


class EmbeddedSync:
    """Builds the process's embedded index and keeps it at the catalogue's latest stamp."""

    def __init__(self, engine: EmbeddedEngine, database: Database) -> None:
        self.engine = engine
        self.database = database
        self.seq = -1  # bookmark (every stamp up to it applied); -1: not built yet
        self._build_lock = threading.Lock()
        self._compacting = False

    def build(self) -> None:
        """Build the whole index from the database (start-up); later calls do nothing."""
        if self.seq >= 0:
            return
        with self._build_lock:
            if self.seq >= 0:
                return
            t0 = time.perf_counter()
            with self.database.session() as db:
                seq = change_horizon(db).safe
                state = build_state(iter_documents(db))
            with self.engine.lock:
                self.engine.swap(state)
                self.seq = seq
            log.info("embedded search index built", extra={"offers": self.engine.size,
                                                           "ms": round((time.perf_counter() - t0) * 1000)})

    def refresh(self, db: Session) -> None:
        """Apply what changed since the last refresh. Call it holding `engine.lock`, after `build`."""
        horizon = change_horizon(db, self.seq)
        if horizon.head <= self.seq:
            return
        _apply_changes(self.engine, db, self.seq)
        self.seq = max(self.seq, horizon.safe)
        if self.engine.needs_compaction() and not self._compacting:
            self._compacting = True
            threading.Thread(target=self._compact, name="search-compact", daemon=True).start()

    def _compact(self) -> None:
        try:
            with self.database.session() as db:
                seq = change_horizon(db).safe
                state = build_state(iter_documents(db))
            with self.engine.lock, self.database.session() as db:
                self.engine.swap(state)
                self.seq = seq
                self.refresh(db)
        except Exception:
            log.exception("embedded search compaction failed")
        finally:
            self._compacting = False


@dataclass
class IndexerStatus:
    state: str  # ok | degraded | down
    lag: int  # catalogue changes not pushed yet (sequence difference)
    detail: str | None = None


class MeiliIndexer:
    """The only writer to the Meilisearch index, thanks to the lease row."""

    def __init__(self, engine: MeiliEngine, database: Database, *, owner: str | None = None,
                 batch: int = 1000, leadership: Leadership | None = None) -> None:
        self.engine = engine
        self.leadership = leadership  # None: push whenever the lease allows (CLI)
        self._leading = False
        self.database = database
        self.name = engine.uid
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.batch = batch
        self.ensured = False
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- lease and bookmark -------------------------------------------------------------------------

    def _row(self, db: Session) -> SearchIndexerState:
        row = db.get(SearchIndexerState, self.name)
        if row is None:
            row = SearchIndexerState(name=self.name)
            db.add(row)
            db.flush()
        return row

    def acquire(self, force: bool = False) -> bool:
        """Take or renew the lease; False when another live process holds it (unless `force`)."""
        now = utcnow()
        with self.database.session(write=True) as db:
            row = self._row(db)
            if not force and row.owner not in (None, self.owner) and row.lease_until and row.lease_until > now:
                return False
            row.owner = self.owner
            row.lease_until = now + timedelta(seconds=LEASE_SECONDS)
            db.add(row)
        return True

    def release(self) -> None:
        with self.database.session(write=True) as db:
            db.execute(update(SearchIndexerState).where(SearchIndexerState.name == self.name,
                                                       SearchIndexerState.owner == self.owner)
                      .values(owner=None, lease_until=None))

    def _advance(self, seq: int, *, reset: bool = False) -> bool:
        with self.database.session(write=True) as db:
            cond = [SearchIndexerState.name == self.name, SearchIndexerState.owner == self.owner]
            if not reset:
                cond.append(SearchIndexerState.pushed_seq < seq)
            res = db.execute(update(SearchIndexerState).where(*cond).values(
                pushed_seq=seq, last_push_at=utcnow(), last_error=None, last_error_at=None,
                lease_until=utcnow() + timedelta(seconds=LEASE_SECONDS)))
            return res.rowcount == 1

    def _record_error(self, message: str) -> None:
        try:
            with self.database.session(write=True) as db:
                row = self._row(db)
                row.last_error = message[:1000]
                row.last_error_at = utcnow()
                db.add(row)
        except Exception:  # the database may be what is down
            log.warning("could not record the search indexer error")

    # --- work ---------------------------------------------------------------------------------------

    def step(self) -> int:
        """One round: push what changed since `pushed_seq`. Returns the number of offers pushed
        (0 when up to date or when another process holds the lease)."""
        if not self.acquire():
            return 0
        if not self.ensured:
            self._ensure()
            self.ensured = True
        with self.database.session() as db:
            pushed = self._row(db).pushed_seq
            head, seq = change_horizon(db, pushed)
            if head <= pushed:
                return 0
            ids = changed_offer_ids(db, pushed)
        done = 0
        last = None
        for i in range(0, len(ids), self.batch):
            chunk = ids[i:i + self.batch]
            with self.database.session() as db:
                docs = load_documents(db, chunk)
            if i and not self.acquire():  # renew the lease between batches of a long push
                return done
            last = self.engine.push(list(docs.values()), [x for x in chunk if x not in docs], wait=False) or last
            done += len(chunk)
        if last is not None:
            self.engine.client.wait(last, timeout=60 + len(ids) / 50)
        self._advance(seq)
        return done

    def _ensure(self) -> None:
        """At the first round: an index built with other documents or settings (a deploy changed
        them, or it predates the version column) is rebuilt through a temporary index and a swap —
        the old one answers meanwhile; a missing one is created and filled from `change_seq` 0."""
        with self.database.session() as db:
            row = db.get(SearchIndexerState, self.name)
            live = row.index_version if row is not None else None
        if live != index_version() and self.engine.client.get_index(self.name) is not None:
            log.info("search index %s built as %s, code wants %s: rebuilding", self.name, live, index_version())
            self.rebuild()
            return
        if self.engine.ensure_index():
            self._advance(0, reset=True)  # a new, empty index: push everything again
        self._set_version()
        self.engine.live_current = True

    def _set_version(self) -> None:
        with self.database.session(write=True) as db:
            db.execute(update(SearchIndexerState).where(SearchIndexerState.name == self.name)
                       .values(index_version=index_version()))

    def _keep_lease(self) -> None:
        if not self.acquire():
            raise MeiliError("search indexer lease lost during a rebuild: another process holds it")

    def rebuild(self) -> int:
        """Rebuild the whole index from the database (lease held); the horizon's `safe` stamp read
        before is the new bookmark, so changes made meanwhile are pushed next. Returns the offers indexed."""
        with self.database.session() as db:
            seq = change_horizon(db).safe
            docs = load_documents(db)
        self._keep_lease()
        self.engine.rebuild(docs.values(), keep_alive=self._keep_lease)
        self._set_version()
        self._advance(seq, reset=True)
        self.ensured = True
        return len(docs)

    def push_pending(self, timeout: float = 600.0) -> int:
        """Push until up to date (CLI import, reindex); stops early if another process holds the lease."""
        deadline = time.monotonic() + timeout
        total = 0
        while time.monotonic() < deadline:
            n = self.step()
            total += n
            if n == 0:
                break
        return total

    def run(self) -> None:
        backoff = POLL_SECONDS
        while not self._stop.is_set():
            try:
                if self._may_push():
                    self.step()
                backoff = POLL_SECONDS
            except (MeiliError, EngineUnavailable) as exc:
                log.warning("search indexer: %s", exc)
                self._record_error(str(exc))
                backoff = min(max(backoff * 2, 1.0), MAX_BACKOFF_SECONDS)
            except Exception as exc:
                log.exception("search indexer failed")
                self._record_error(f"{exc.__class__.__name__}: {exc}")
                backoff = min(max(backoff * 2, 1.0), MAX_BACKOFF_SECONDS)
            self.wake.wait(backoff)
            self.wake.clear()

    def _may_push(self) -> bool:
        """Only the deployment's leader pushes. A new leader takes the lease at once: whoever held it
        is gone (its leader lock went with its connection) or is a CLI push, fenced by the lease."""
        if self.leadership is None:
            return True
        was, self._leading = self._leading, self.leadership.is_leader
        if self._leading and not was:
            self.acquire(force=True)
        return self._leading

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="search-indexer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        try:
            self.release()
        except Exception:
            log.warning("could not release the search indexer lease")

    def status(self, db: Session) -> IndexerStatus:
        if not self.engine.client.healthy():
            return IndexerStatus("down", -1, "Meilisearch ne répond pas.")
        row = db.get(SearchIndexerState, self.name)
        pushed = row.pushed_seq if row else 0
        lag = max(0, change_horizon(db, pushed).head - pushed)
        if row is not None and row.last_error:
            return IndexerStatus("degraded", lag, row.last_error)
        if lag and (row is None or row.last_push_at is None
                    or utcnow() - row.last_push_at > timedelta(seconds=LAG_DEGRADED_SECONDS)):
            return IndexerStatus("degraded", lag, "Index en retard sur le catalogue.")
        return IndexerStatus("ok", lag)


class SearchService:
    """The engine chosen by the settings, with its synchronisation."""

    def __init__(self, settings: Settings, database: Database, *, meili_client: MeiliClient | None = None,
                 leadership: Leadership | None = None) -> None:
        self.settings = settings
        self.database = database
        self.embedded: EmbeddedSync | None = None
        self.indexer: MeiliIndexer | None = None
        if settings.meili_url:
            client = meili_client or MeiliClient(settings.meili_url, settings.meili_key)
            self.engine: SearchEngine = MeiliEngine(client, settings.meili_index)
            self.indexer = MeiliIndexer(self.engine, database, leadership=leadership)
        else:
            self.engine = EmbeddedEngine()
            self.embedded = EmbeddedSync(self.engine, database)

    @property
    def engine_name(self) -> str:
        return self.engine.name

    def start(self) -> None:
        """Background work of a server process with Meilisearch: run the indexer. (The embedded
        index is built by `build`, which the server runs at start-up.)"""
        if self.indexer is not None:
            self.indexer.start()

    def build(self) -> None:
        """Build what this process needs before answering searches: the embedded index (nothing
        with Meilisearch, which has its own)."""
        if self.embedded is not None:
            self.embedded.build()

    @property
    def ready(self) -> bool:
        """This process can search without building first."""
        return self.embedded is None or self.embedded.seq >= 0

    def stop(self) -> None:
        if self.indexer is not None:
            self.indexer.stop()
            self.engine.client.close()

    def _run(self, db: Session, call: Callable[[], SearchHits | list[Suggestion]]):
        if self.embedded is not None:
            self.embedded.build()  # waits for the start-up build (outside the engine lock)
            with self.embedded.engine.lock:
                self.embedded.refresh(db)
                return call()
        if not self.engine.live_current:
            row = db.get(SearchIndexerState, self.engine.uid)
            self.engine.live_current = row is not None and row.index_version == index_version()
        try:
            return call()
        except MeiliUnavailable as exc:
            raise EngineUnavailable(str(exc)) from None
        except MeiliError as exc:  # e.g. the index or its settings not there yet (first start-up)
            log.warning("search refused by Meilisearch: %s (%s)", exc, exc.code)
            raise EngineUnavailable(str(exc)) from None

    def search(self, db: Session, query: SearchQuery) -> SearchHits:
        return self._run(db, lambda: self.engine.search(query))

    def suggest(self, db: Session, words: tuple[str, ...], limit: int) -> list[Suggestion]:
        return self._run(db, lambda: self.engine.suggest(words, limit))

    def status(self, db: Session) -> IndexerStatus:
        if self.indexer is not None:
            return self.indexer.status(db)
        return IndexerStatus("ok", 0)

    def reindex(self) -> int:
        """Rebuild the whole index from the database; returns the number of offers indexed."""
        if self.embedded is not None:
            self.embedded.seq = -1
            self.embedded.build()
            return self.engine.size
        idx = self.indexer
        if not idx.acquire():
            raise RuntimeError("Un autre processus tient le verrou de l'indexeur : réessayez dans 30 s.")
        n = idx.rebuild()
        idx.push_pending()
        return n


def push_pending(settings: Settings, database: Database, timeout: float = 600.0) -> int:
    """For batch writers outside the server (CLI import): push what they wrote to Meilisearch now,
    unless a server's indexer holds the lease (it will push within a second). No-op on the
    embedded engine (servers catch up on their next search). Never raises: the catalogue write has
    already succeeded, and a failed push is retried by the servers' indexer."""
    if not settings.meili_url:
        return 0
    service = SearchService(settings, database)
    try:
        return service.indexer.push_pending(timeout=timeout)
    except Exception as exc:
        log.warning("search push after import deferred: %s", exc)
        return 0
    finally:
        service.stop()
