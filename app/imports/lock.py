"""Is the import recorded as "running" really running? A lock that dies with its process says so.

A running import holds, for its whole life, a lock the operating system or the database releases
when the process ends, however it ends (`kill -9`, out of memory, host reboot):

- SQLite: `flock` on a file next to the database (`<file>.import-<source>.lock`);
- PostgreSQL: a session advisory lock, on a connection the import keeps open.

An import that finds a `running` row for its source therefore knows at once whether that row's
process is alive (the lock is taken: 409) or dead (the lock is free: the row is stale, its hidden
rows are deleted and the new import goes on). Without this, a crashed import blocked its source
for `STALE_AFTER` (10 minutes of missing heartbeats) — found by tests/faults/test_kill9.py.
An in-memory SQLite database has no file to lock: the heartbeat rule alone applies there.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from app.core.db import Database


class ImportLock:
    def __init__(self, database: Database, source: str) -> None:
        self.database = database
        self.source = source
        self._file: IO[bytes] | None = None
        self._conn: Connection | None = None

    def _path(self) -> str | None:
        file = make_url(self.database.url).database
        if not file or file == ":memory:" or file.startswith("file::memory:"):
            return None
        return f"{file}.import-{self.source}.lock"

    def _pg_key(self) -> int:
        digest = hashlib.sha256(f"parcours-import:{self.source}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def acquire(self) -> bool | None:
        """True: taken (no other live import of this source); False: a live process holds it;
        None: this database offers no such lock (fall back to heartbeats)."""
        if self.database.dialect == "postgresql":
            conn = self.database.engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._pg_key()}).scalar()
            conn.commit()
            if got:
                self._conn = conn
                return True
            conn.close()
            return False
        path = self._path()
        if self.database.dialect != "sqlite" or path is None:
            return None
        try:
            f = open(path, "ab")  # noqa: SIM115 - held until release()
        except OSError:  # read-only directory, disk full: heartbeats only
            return None
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            return False
        except OSError:  # a filesystem without flock: heartbeats only
            f.close()
            return None
        self._file = f
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
        return True

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            with contextlib.suppress(Exception):  # the database may be gone: closing drops the lock anyway
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._pg_key()})
                self._conn.commit()
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
