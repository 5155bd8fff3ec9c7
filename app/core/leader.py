"""Once per deployment: the background tasks that must not run in every worker of every host (the
Meilisearch indexer, the prescription expiry) run only in the process holding the deployment's
leader lock. Every server process tries to take it every `RETRY_SECONDS`; the one that holds it
leads until it stops or dies, and then another takes over at its next try.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a dedicated connection
  outside the pool. PostgreSQL releases it when that connection ends — the process exits or is
  killed (at once), or its host vanishes (TCP keepalives on both ends: about 25 s). The
  connection's `application_name` names the holder, so `/readyz` (and `pg_stat_activity`) show
  who leads.
- SQLite (one host by construction): an exclusive `flock` on a file beside the database,
  released by the kernel when the process ends; the holder writes its name into it.
- In-memory SQLite: one process, always the leader.

A leader learns it lost its lock at its next check (at most `RETRY_SECONDS`), so for that long two
processes may both act: the tasks are safe to run twice (expiry is a compare-and-set per
prescription; the indexer's pushes are idempotent and fenced by its lease row).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import threading
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

log = logging.getLogger("parcours_fle.leader")

RETRY_SECONDS = 1.0
# pg_try_advisory_lock(int, int): a namespace for this application ("PFLE") and the lock's number.
LOCK_KEYS = (0x50464C45, 1)  # change stamps lock ('PFLS', stamp): never this namespace (migration 0007)
_APP_NAME_PREFIX = "parcours-fle leader "
# The server drops a silent client's session (and its lock) after idle + interval × count seconds.
_KEEPALIVES = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"
_HOLDER = text(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :k1 AND l.objid = :k2 AND l.objsubid = 2 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")


def process_name() -> str:
    """`host:pid`, as the leader is shown to operators (63 bytes at most in PostgreSQL)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Leadership:
    """This process's claim on the deployment's leader lock (see the module doc)."""

    def __init__(self, database_url: str, *, retry_seconds: float = RETRY_SECONDS) -> None:
        url = make_url(database_url)
        self.kind = ("postgresql" if url.get_backend_name() == "postgresql"
                     else "memory" if url.database in (None, "", ":memory:") else "file")
        self.conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.lock_path = Path(f"{url.database}.leader") if self.kind == "file" else None
        self.retry_seconds = retry_seconds
        self.name = process_name()
        self._leading = threading.Event()
        self._conn: psycopg.Connection | None = None
        self._fd: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    # --- taking and keeping the lock ------------------------------------------------------------------

    def poll(self) -> bool:
        """Take the lock if it is free, or check we still hold it; whether this process leads."""
        was = self.is_leader
        try:
            now = self._poll()
        except (psycopg.Error, OSError) as exc:
            log.warning("leader lock unusable: %s", type(exc).__name__, extra={"event": "leader"})
            self._drop()
            now = False
        if now != was:
            (self._leading.set if now else self._leading.clear)()
            log.info("process %s %s the deployment's leader (search indexer, prescription expiry)",
                     self.name, "is now" if now else "is no longer", extra={"event": "leader"})
        return now

    def _poll(self) -> bool:
        if self.kind == "memory":
            return True
        if self.kind == "file":
            return self._poll_file()
        if self._conn is None:
            self._conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5,
                                         application_name=_APP_NAME_PREFIX + self.name,
                                         keepalives=1, keepalives_idle=10, keepalives_interval=5,
                                         keepalives_count=3, options=_KEEPALIVES)
        if self.is_leader:  # a live session keeps its session lock: check the session only
            self._conn.execute("SELECT 1")
            return True
        return bool(self._conn.execute("SELECT pg_try_advisory_lock(%s, %s)", LOCK_KEYS).fetchone()[0])

    def _poll_file(self) -> bool:
        if self.is_leader:
            return True
        if self._fd is None:
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, self.name.encode(), 0)
        return True

    def _drop(self) -> None:
        """Give the lock back (closing the connection or the file releases it)."""
        self._leading.clear()
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    # --- the background thread ------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self.poll()  # a lone server leads from its first request on
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="leader", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.retry_seconds):
            self.poll()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.is_leader:
            log.info("process %s is no longer the deployment's leader (stopping)", self.name,
                     extra={"event": "leader"})
        self._drop()

    # --- who leads ------------------------------------------------------------------------------------

    def holder(self, db: Session) -> str | None:
        """The `host:pid` of the process leading the deployment now, or None (any process may ask)."""
        if self.is_leader or self.kind == "memory":
            return self.name if self.is_leader else None
        if self.kind == "postgresql":
            names = db.execute(_HOLDER, {"k1": LOCK_KEYS[0], "k2": LOCK_KEYS[1]}).scalars().all()
            return next((n.removeprefix(_APP_NAME_PREFIX) for n in names if n.startswith(_APP_NAME_PREFIX)), None)
        try:
            fd = os.open(self.lock_path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # succeeds only when nobody holds it
            return None
        except BlockingIOError:
            return os.pread(fd, 200, 0).decode(errors="replace") or None
        finally:
            os.close(fd)
