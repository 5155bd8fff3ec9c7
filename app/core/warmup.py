"""Start-up builds of a server process, in the background, retried until they succeed.

A worker is not ready (`/readyz` 503) until its start-up structures are built; it starts them at
once, in threads, so that `/healthz` answers meanwhile and no request pays for a build. A build
that fails (the database not reachable yet) is tried again with a growing delay, until it succeeds
or the process stops: a worker never falls back to building on its first request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from app.core.heap import release_free_memory

log = logging.getLogger("parcours_fle.warmup")


class Warmup:
    def __init__(self, *, first_retry: float = 0.5, max_retry: float = 10.0) -> None:
        self.first_retry = first_retry
        self.max_retry = max_retry
        self._stop = threading.Event()

    def start(self, name: str, build: Callable[[], object]) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(name, build), name=name, daemon=True)
        thread.start()
        return thread

    def _run(self, name: str, build: Callable[[], object]) -> None:
        wait = self.first_retry
        while not self._stop.is_set():
            t0 = time.perf_counter()
            try:
                build()
            except Exception:
                log.exception("start-up build failed, retrying", extra={"event": name, "pid": os.getpid()})
                if self._stop.wait(wait):
                    return
                wait = min(wait * 2, self.max_retry)
                continue
            release_free_memory()
            # the pid tells the workers of a host apart (bench/coldstart.py waits for each one)
            log.info("start-up build done", extra={"event": name, "pid": os.getpid(),
                                                   "duration_ms": round((time.perf_counter() - t0) * 1000)})
            return

    def stop(self) -> None:
        self._stop.set()
