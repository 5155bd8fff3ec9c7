"""Rate-limit buckets (GCRA): a token bucket of N requests refilled continuously at N per minute,
stored as one number per bucket, its "theoretical arrival time". In this process's memory, in a
small SQLite file shared by the worker processes of one host, or in the deployment's PostgreSQL
database, shared by every host (the policy: app/api/ratelimit.py)."""

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

import psycopg
from sqlalchemy import Column, Double, Table, Text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from app.core.db import metadata
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


# PostgreSQL only (SQLite deployments use the file above; the table exists there, empty, so that one
# schema serves both). UNLOGGED on PostgreSQL (migration 0008): counters, not records — no WAL
# write per request, and losing them in a crash only gives every key a fresh bucket.
rate_bucket_table = Table("rate_bucket", metadata, Column("id", Text, primary_key=True),
                          Column("tat", Double, nullable=False))

# One statement, one round trip: the GCRA step as an upsert that only writes when the request
# passes; when it does not, the bucket's current arrival time, for Retry-After.
_PG_HIT = """WITH hit AS (
  INSERT INTO rate_bucket AS b (id, tat) VALUES (%(id)s, %(now)s + %(interval)s)
  ON CONFLICT (id) DO UPDATE SET tat = greatest(b.tat, %(now)s) + %(interval)s
  WHERE greatest(b.tat, %(now)s) + %(interval)s - %(now)s <= %(window)s
  RETURNING tat)
SELECT true, tat FROM hit
UNION ALL SELECT false, tat FROM rate_bucket WHERE id = %(id)s AND NOT EXISTS (SELECT 1 FROM hit)"""
PG_POOL_SIZE = 4  # per process, +4 overflow: a decision holds a connection for one round trip


class PostgresBuckets:
    """GCRA buckets in the deployment's PostgreSQL database: one budget for every worker of every
    host. A small pool of autocommit connections of its own, so a decision never waits for the
    catalogue pool. A refused bucket is remembered here until its next token is due: a client
    hammering past its limit costs the database one statement per process per token, not one per
    request (other hosts can only push that time later, never earlier)."""

    def __init__(self, database_url: str) -> None:
        self.conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool: QueuePool | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._refused: dict[str, float] = {}  # bucket -> when its next token is due
        self._swept = 0.0

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, autocommit=True, connect_timeout=2,
                               application_name="parcours-fle ratelimit",
                               options="-c statement_timeout=2000")

    def _checkout(self):
        if self._pool is None or self._pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pid != os.getpid():
                    self._pool = QueuePool(self._connect, pool_size=PG_POOL_SIZE, max_overflow=PG_POOL_SIZE, timeout=2.0,
                                           reset_on_return=None)
                    self._pid = os.getpid()
        return self._pool.connect()

    def hit(self, bucket: str, per_minute: int, now: float) -> Decision:
        interval = WINDOW_SECONDS / per_minute
        due = self._refused.get(bucket)
        if due is not None and now < due:
            return Decision(False, _retry_after(due - now + WINDOW_SECONDS))
        conn = self._checkout()
        try:
            with conn.cursor() as cur:
                if now - self._swept > SWEEP_EVERY_SECONDS:  # full buckets are the same as no row
                    self._swept = now
                    cur.execute("DELETE FROM rate_bucket WHERE tat < %s", (now,))
                    self._refused = {k: v for k, v in self._refused.items() if v > now}
                cur.execute(_PG_HIT, {"id": bucket, "now": now, "interval": interval, "window": WINDOW_SECONDS})
                row = cur.fetchone()
        except BaseException:
            conn.invalidate()
            raise
        finally:
            conn.close()
        if row is not None and row[0]:
            self._refused.pop(bucket, None)
            return Decision(True)
        tat = row[1] if row is not None else now
        self._refused[bucket] = tat + interval - WINDOW_SECONDS
        return Decision(False, _retry_after(tat + interval - now))

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.dispose()
            self._pool = None


# What a store raises when it cannot be used: the limiter then counts in memory for a while.
STORE_ERRORS = (sqlite3.Error, OSError, psycopg.Error, sa_exc.TimeoutError)


def _retry_after(excess_tat: float) -> int:
    """Seconds until a refused request would pass: its bucket must drain below the window."""
    return max(1, math.ceil(excess_tat - WINDOW_SECONDS))


def default_file(settings: Settings) -> Path:
    """One file per deployment (DATABASE_URL) and per user, in the temporary directory."""
    digest = hashlib.sha256(settings.database_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"parcours-fle-{os.getuid()}" / f"ratelimit-{digest}.sqlite3"
