"""Keeps this process's matching snapshot in step with the database.

Every catalogue write stamps what it touched with a new `change_seq`; before each match the store
compares the database's counter with its own and applies just the changed sessions (a handful
after a prescription or a places update; everything on first use). Several workers each keep their
own snapshot, all following the same counter, so a write is matched as soon as its response returns."""

from __future__ import annotations

import threading

from sqlmodel import Session

from app.catalogue import repository as repo
from app.matching import Candidate, Snapshot


class SnapshotStore:
    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._seq: int = -1
        self._lock = threading.Lock()

    def get(self, session: Session) -> Snapshot:
        seq = repo.current_change_seq(session)
        if self._snapshot is not None and seq == self._seq:
            return self._snapshot
        with self._lock:  # one refresh at a time; readers keep using the previous snapshot object
            if self._snapshot is None or seq != self._seq:
                self._refresh(session)
            return self._snapshot

    def _refresh(self, session: Session) -> None:
        feed = repo.match_feed(session, None if self._snapshot is None else self._seq)
        candidates = [Candidate.from_records(feed.offers[s["offer_id"]], s) for s in feed.sessions]
        if self._snapshot is None:
            self._snapshot = Snapshot.build(candidates)
        else:
            self._snapshot = self._snapshot.apply(candidates, feed.removed_session_ids)
        self._seq = feed.seq
