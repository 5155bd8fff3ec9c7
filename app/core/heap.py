"""Keep Python's cyclic garbage collector off the long-lived heap.

Each worker holds large structures that live as long as the process: the matching snapshot
(hundreds of thousands of tracked objects), the offers it caches, the commune reference. The
collector's full passes (generation 2) walk every tracked object, and the whole worker stops
meanwhile: under load these pauses dominated the tail latency (docs/trust.md, "What the load test
found", has the measurements).

`gc.freeze()` moves every object alive at that moment to a permanent generation the collector no
longer walks (objects stay freed by reference counting when dropped). The settler calls
`gc.collect(); gc.freeze()` once the start-up structures are built (search index, matching
snapshot), then again whenever generation 2 has grown past `threshold` objects (the offers cache
filling up). A settle only walks what is not frozen yet.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("parcours_fle.heap")


def settle() -> int:
    """Collect, then freeze what survives. Returns the number of objects frozen so far."""
    gc.collect()
    gc.freeze()
    release_free_memory()
    return gc.get_freeze_count()


def _libc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None


_malloc_trim = _libc_trim()


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system. A start-up build allocates and frees
    hundreds of megabytes of short-lived rows; glibc keeps most of that freed memory in the
    process (counted in its RSS) unless asked to return it."""
    if _malloc_trim is not None:
        _malloc_trim(0)


class HeapSettler:
    def __init__(self, warmed: Callable[[], bool], *, interval: float = 30.0, threshold: int = 100_000,
                 first_check: float = 1.0) -> None:
        self.warmed = warmed
        self.interval = interval
        self.threshold = threshold
        self.first_check = first_check
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="heap-settler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """At shutdown: what was frozen becomes collectable again (a process that builds several
        apps, like the test suite, would otherwise keep every discarded app's cycles)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        gc.unfreeze()

    def _run(self) -> None:
        settled = False
        wait = self.first_check
        while not self._stop.wait(wait):
            try:
                if not settled:
                    if not self.warmed():
                        wait = min(wait * 2, self.interval)
                        continue
                    settled = True
                elif len(gc.get_objects(generation=2)) < self.threshold:
                    wait = self.interval
                    continue
                t0 = time.perf_counter()
                frozen = settle()
                log.info("heap settled", extra={"frozen": frozen, "ms": round((time.perf_counter() - t0) * 1000)})
            except Exception:  # never let housekeeping take a worker down
                log.exception("heap settle failed")
            wait = self.interval


_thresholds_lock = threading.Lock()
_raised = 0
_saved: tuple[int, int, int] | None = None


class fewer_collections:  # noqa: N801 - used as a context manager, like contextlib's
    """Young collections every `gen0` allocations instead of 700, while bulk work runs (an LHÉO import
    allocates millions of objects that live until it ends: default thresholds walk them over and
    over; docs/imports.md). Process-wide, so nested and concurrent users share one
    raise; the thresholds in force before the first one are restored when the last one ends."""

    def __init__(self, gen0: int = 50_000) -> None:
        self.gen0 = gen0

    def __enter__(self) -> fewer_collections:
        global _raised, _saved
        with _thresholds_lock:
            if _raised == 0:
                _saved = gc.get_threshold()
                gc.set_threshold(max(self.gen0, _saved[0]), max(50, _saved[1]), max(100, _saved[2]))
            _raised += 1
        return self

    def __exit__(self, *exc: object) -> None:
        global _raised
        with _thresholds_lock:
            _raised -= 1
            if _raised == 0 and _saved is not None:
                gc.set_threshold(*_saved)
