"""A real server for concurrency tests and benchmarks: `uvicorn app.asgi:app --workers N` on a free
loopback port, in a subprocess, against a given database (already migrated) — or, with
`command="serve"`, `parcours-fle serve --workers N` as in production (it migrates first).

    with LiveServer(database_url, workers=2) as server:
        httpx.get(server.url + "/healthz")
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, database_url: str, *, workers: int = 2, env: dict[str, str] | None = None,
                 start_timeout: float = 60.0, command: str = "uvicorn") -> None:
        self.database_url = database_url
        self.command = command
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.start_timeout = start_timeout
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "live-server-secret",
            "EXPIRE_INTERVAL_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            "RATE_LIMIT_ENABLED": "false",  # benchmarks hammer one key; tests/security turn it on
            "NO_PROXY": "127.0.0.1,localhost",
        }
        self.env.pop("MEILI_URL", None)  # the embedded search engine unless the caller says otherwise
        self.env.update(env or {})
        self.proc: subprocess.Popen | None = None
        # stderr to a file: a pipe nobody reads would block a chatty server.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()

    def stderr_tail(self, n: int = 3000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-n:]

    def start(self) -> LiveServer:
        if self.command == "serve":
            cmd = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(self.workers)]
        else:
            cmd = [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(self.workers), "--log-level", "warning", "--no-access-log",
                   "--no-proxy-headers",  # proxies are the app's TRUSTED_PROXIES, not uvicorn's loopback default
                   # uvicorn kills a worker that misses its 5 s health ping; on a shared 2-core machine a worker
                   # building its snapshot while the indexer pushes was killed mid-request (connection reset)
                   "--timeout-worker-healthcheck", "30"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log,
                                     start_new_session=True)
        deadline = time.monotonic() + self.start_timeout
        with httpx.Client(trust_env=False, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"uvicorn exited with {self.proc.returncode}:\n{self.stderr_tail()}")
                try:
                    if client.get(self.url + "/healthz").status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"uvicorn did not answer on {self.url} within {self.start_timeout} s")

    def worker_pids(self) -> set[int]:
        """The processes the server's supervisor started (its uvicorn workers), from /proc."""
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if self.proc is not None and int(fields[1]) == self.proc.pid:
                pids.add(int(stat.parent.name))
        return pids

    def kill(self) -> None:
        """SIGKILL to the whole process group, as a host that dies: no clean-up, no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.log.close()
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # its own process group: the supervisor and its workers
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        self.log.close()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
