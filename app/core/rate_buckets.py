"""Rate-limit buckets (GCRA): a token bucket of N requests refilled continuously at N per minute,
stored as one number per bucket, its "theoretical arrival time". In this process's memory, or in a
small SQLite file shared by the worker processes of one host (the policy: app/api/ratelimit.py)."""

from __future__ import annotations

import hashlib
import math
import os
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.settings import Settings

WINDOW_SECONDS = 60.0
SWEEP_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds, ≥ 1 when refused


class MemoryBuckets:
    """GCRA buckets in this process's memory (fallback, and for in-memory databases)."""

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._lock = threading.Lock()
        self._swept = time.time()

    def hit(self, bucket: str, per_minute: int, now: float) -> Decision:
        interval = WINDOW_SECONDS / per_minute
        with self._lock:
            if now - self._swept > SWEEP_EVERY_SECONDS:
                self._tat = {k: v for k, v in self._tat.items() if v > now}
                self._swept = now
            tat = max(self._tat.get(bucket, now), now) + interval
            if tat - now <= WINDOW_SECONDS:
                self._tat[bucket] = tat
                return Decision(True)
        return Decision(False, _retry_after(tat - now))


_SCHEMA = "CREATE TABLE IF NOT EXISTS bucket (id TEXT PRIMARY KEY, tat REAL NOT NULL) WITHOUT ROWID"
_HIT = """INSERT INTO bucket (id, tat) VALUES (:id, :now + :interval)
ON CONFLICT (id) DO UPDATE SET tat = max(bucket.tat, :now) + :interval
WHERE max(bucket.tat, :now) + :interval - :now <= :window
RETURNING tat"""


class SharedBuckets:
    """GCRA buckets in a SQLite file shared by the processes of one host (see the module doc)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._swept = 0.0

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=2.0, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")  # counters: losing the last ones in a crash is harmless
            conn.execute(_SCHEMA)
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def hit(self, bucket: str, per_minute: int, now: float) -> Decision:
        interval = WINDOW_SECONDS / per_minute
        with self._lock:
            conn = self._connection()
            if now - self._swept > SWEEP_EVERY_SECONDS:  # full buckets are the same as no row
                conn.execute("DELETE FROM bucket WHERE tat < ?", (now,))
                self._swept = now
            row = conn.execute(_HIT, {"id": bucket, "now": now, "interval": interval,
                                      "window": WINDOW_SECONDS}).fetchone()
            if row is not None:
                return Decision(True)
            tat = conn.execute("SELECT tat FROM bucket WHERE id = ?", (bucket,)).fetchone()
        return Decision(False, _retry_after((tat[0] if tat else now) + interval - now))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None


def _retry_after(excess_tat: float) -> int:
    """Seconds until a refused request would pass: its bucket must drain below the window."""
    return max(1, math.ceil(excess_tat - WINDOW_SECONDS))


def default_file(settings: Settings) -> Path:
    """One file per deployment (DATABASE_URL) and per user, in the temporary directory."""
    digest = hashlib.sha256(settings.database_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"parcours-fle-{os.getuid()}" / f"ratelimit-{digest}.sqlite3"
