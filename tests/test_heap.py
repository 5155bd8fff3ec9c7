"""app/core/heap.py: the long-lived heap is frozen once warmed, again when it grows, and given back at stop."""

from __future__ import annotations

import gc
import time

from app.core.heap import HeapSettler


def _wait(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_settles_once_warmed_then_when_generation_2_grows():
    warmed = []
    settler = HeapSettler(lambda: bool(warmed), interval=0.05, threshold=1_000, first_check=0.01)
    gc.unfreeze()
    settler.start()
    try:
        time.sleep(0.2)
        assert gc.get_freeze_count() == 0  # not before the start-up structures exist
        warmed.append(True)
        assert _wait(lambda: gc.get_freeze_count() > 0)
        first = gc.get_freeze_count()
        keep = [[i] for i in range(50_000)]  # long-lived growth
        gc.collect()
        assert _wait(lambda: gc.get_freeze_count() >= first + 50_000)
        assert len(gc.get_objects(generation=2)) < 50_000
        del keep
    finally:
        settler.stop()
    assert gc.get_freeze_count() == 0  # at shutdown everything is collectable again


def test_fewer_collections_raises_then_restores_the_thresholds():
    from app.core.heap import fewer_collections

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with fewer_collections(gen0=20_000):
            assert gc.get_threshold() == (20_000, 50, 100)
            with fewer_collections(gen0=30_000):  # nested (or a second import at once): one raise
                assert gc.get_threshold() == (20_000, 50, 100)
            assert gc.get_threshold() == (20_000, 50, 100)  # the outer one still runs
        assert gc.get_threshold() == (700, 10, 10)
        try:
            with fewer_collections():
                raise RuntimeError("import failed")
        except RuntimeError:
            pass
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
