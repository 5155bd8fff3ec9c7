"""Staging: mapped items (app/imports/items.py, whatever the format) become rows nobody sees yet.

Every item is compared with what the source already holds (loaded once):
- an `Unchanged` item (the mapper recognised the fragment) and a `Staged` one that maps to the stored
  content hash are unchanged (the stored fragment is refreshed after the publish if it differs);
- a **new** offer is written at once, in short write transactions of `BATCH` offers, as a *hidden*
  row: `withdrawn_at` and `updated_at` at the epoch and `change_seq = -run id`, which every reader
  skips until the publish reveals it;
- a **changed** offer is spilled to disk (`Pending`) until the publish.
SQLite has one writer at a time: `WriterPause` lets waiting writers in between these transactions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from app.catalogue import repository as catalogue
from app.catalogue.rows import PreparedOffer
from app.catalogue.service import write_offers
from app.core.db import Database
from app.imports import repository
from app.imports.items import Rejected, Skipped, SourceRow, Staged, StagedItem, Unchanged
from app.imports.outcomes import CREATED, UNCHANGED, UPDATED, Outcomes
from app.imports.repository import SourceHead
from app.imports.runs import Run, discard_hidden
from app.imports.spill import Spill

BATCH = 500  # new offers per staging write transaction
TICK_EVERY = 200  # items between two calls of the `tick` callback
HIDDEN_AT = datetime(1970, 1, 1, tzinfo=UTC)
# SQLite: after this long holding the writer lock (summed over staging transactions), the importer
# lets it go for `pause` seconds, so a waiting prescription or places update waits at most about this
# plus one transaction (the bound is about a second).
HOLD_BEFORE_PAUSE = 0.4


class WriterPause:
    """Short write transactions that let the writer lock go for `pause` seconds now and then."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.held = 0.0  # seconds the transactions held the writer lock since the last pause

    @contextmanager
    def writing(self, database: Database) -> Iterator[Session]:
        began = time.perf_counter()
        with database.session(write=True) as db:
            yield db
        self._let_writers_in(time.perf_counter() - began)

    def _let_writers_in(self, held: float) -> None:
        if not self.pause:
            return
        self.held += held
        if self.held >= HOLD_BEFORE_PAUSE:
            time.sleep(self.pause)
            self.held = 0.0


@dataclass
class Existing:
    """What the source already holds, loaded once before staging."""

    heads: dict[str, SourceHead] = field(default_factory=dict)
    max_organisation_id: int = 0

    @classmethod
    def load(cls, database: Database, source: str) -> Existing:
        with database.session() as db:
            return cls(repository.source_heads(db, source), repository.max_organisation_id(db))

    def known(self, today: date) -> dict[str, str]:
        """ref → source_hash of the offers whose stored fragment still maps to their stored content:
        the same fragment again is unchanged without being mapped."""
        return {ref: h.source_hash for ref, h in self.heads.items()
                if not h.withdrawn and h.source_hash is not None and h.source_content == h.content_hash
                and (h.until is None or today < h.until)}

    def absent(self, present: set[str]) -> list[int]:
        """Ids of the published offers the feed no longer has (what a full import withdraws)."""
        return [h.id for ext, h in self.heads.items() if not h.withdrawn and ext not in present]


class Pending:
    """Changed offers and fragment refreshes, spilled until the publish. A repeated action is spilled
    each time: only its last record counts (each carries a sequence number)."""

    def __init__(self) -> None:
        self.updates = Spill()  # (seq, PreparedOffer, SourceRow) for changed existing offers
        self.refreshes = Spill()  # (seq, ref, offer id, SourceRow, content hash) for unchanged ones
        self.last_seq: dict[str, int] = {}
        self.seq = 0

    def _next(self, ref: str) -> int:
        self.seq += 1
        self.last_seq[ref] = self.seq
        return self.seq

    def update(self, ref: str, offer: PreparedOffer, source_row: SourceRow) -> None:
        self.updates.append((self._next(ref), offer, source_row))

    def refresh(self, ref: str, offer_id: int, source_row: SourceRow, content_hash: str) -> None:
        self.refreshes.append((self._next(ref), ref, offer_id, source_row, content_hash))

    def changed_offers(self, outcomes: Outcomes) -> Iterator[tuple[PreparedOffer, SourceRow]]:
        """The last version of each offer whose final outcome is `updated`."""
        for seq, offer, source_row in self.updates:
            ref = offer.external_id
            if self.last_seq.get(ref) == seq and outcomes.status.get(ref) == UPDATED:
                yield offer, source_row

    def refreshed_sources(self, outcomes: Outcomes) -> Iterator[dict[str, Any]]:
        """The `offer_source` rows to store for offers whose final outcome is `unchanged`."""
        for seq, ref, offer_id, source_row, content in self.refreshes:
            if self.last_seq.get(ref) == seq and outcomes.status.get(ref) == UNCHANGED:
                yield source_row.row(offer_id, content)


class Staging:
    """Stages the items of one run (see the module docstring); the publish (app/imports/publish.py)
    then reveals `hidden` and applies `pending`."""

    def __init__(self, database: Database, run: Run, outcomes: Outcomes, pause: WriterPause) -> None:
        self.database = database
        self.run = run
        self.outcomes = outcomes
        self.pause = pause
        self.existing = Existing()
        self.new: dict[str, tuple[PreparedOffer, SourceRow]] = {}  # waiting for the next write
        self.hidden: dict[str, int] = {}  # ref → id of the hidden row written for it
        self.renamed: dict[int, str] = {}  # organisation id → name before a staging batch refreshed it
        self.pending = Pending()
        self.version: str | None = None  # of the last item staged
        self.actions = 0

    def load(self) -> None:
        self.existing = Existing.load(self.database, self.run.source)

    def stage(self, items: Iterable[StagedItem], tick: Callable[[int], None]) -> None:
        """Stage every item; `tick(actions so far)` every `TICK_EVERY` items."""
        for item in items:
            self.actions += 1
            if isinstance(item, Unchanged):
                self.outcomes.set(item.ref, UNCHANGED)
            elif isinstance(item, Staged):
                self.version = item.version
                self._staged(item)
            elif isinstance(item, Skipped):
                self.outcomes.skip()
            elif isinstance(item, Rejected):
                self.outcomes.reject(item.ref, item.errors)
            if self.actions % TICK_EVERY == 0:
                tick(self.actions)

    def _staged(self, item: Staged) -> None:
        ref, offer, source_row = item.ref, item.offer, item.source
        head = self.existing.heads.get(ref)
        if head is None:
            self.outcomes.set(ref, CREATED)
            if not self.run.dry_run:
                self._add_new(ref, offer, source_row)
        elif not head.withdrawn and head.content_hash == offer.digest:
            self.outcomes.set(ref, UNCHANGED)
            if not self.run.dry_run and (head.source_hash, head.source_content, head.until) != (
                    source_row.source_hash, head.content_hash, source_row.until):
                self.pending.refresh(ref, head.id, source_row, head.content_hash)
        else:
            self.outcomes.set(ref, UPDATED)
            if not self.run.dry_run:
                self.pending.update(ref, offer, source_row)
        for msg in item.warnings:
            self.outcomes.warn(ref, msg)

    def _add_new(self, ref: str, offer: PreparedOffer, source_row: SourceRow) -> None:
        offer.values.update(withdrawn_at=HIDDEN_AT, updated_at=HIDDEN_AT, change_seq=-self.run.id)
        self.new.pop(ref, None)
        self.new[ref] = (offer, source_row)
        if len(self.new) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the waiting new offers as hidden rows, in their own short write transaction."""
        if not self.new:
            return
        batch, self.new = list(self.new.values()), {}
        with self.pause.writing(self.database) as db:
            # A row that appeared meanwhile (a PUT on that key) is an update, published with the rest.
            exists_now = catalogue.offer_heads(db, self.run.source, [offer.external_id for offer, _ in batch])
            ours = {ext for ext, h in exists_now.items() if h.id == self.hidden.get(ext)}
            writes: list[tuple[PreparedOffer, SourceRow]] = []
            for offer, source_row in batch:
                if offer.external_id in exists_now and offer.external_id not in ours:
                    for k in ("withdrawn_at", "updated_at", "change_seq"):
                        offer.values.pop(k, None)
                    self.outcomes.restate(offer.external_id, UPDATED)
                    self.pending.update(offer.external_id, offer, source_row)
                else:
                    writes.append((offer, source_row))
            if writes:
                self._write_hidden(db, writes, exists_now)
            self.run.beat(db)

    def _write_hidden(self, db: Session, writes: list[tuple[PreparedOffer, SourceRow]],
                      exists_now: dict[str, catalogue.OfferHead]) -> None:
        # seq=0: hidden rows carry no stamp (offers get -run id from their values), so search and
        # matching ignore them, and the catalogue counter is not locked (PostgreSQL).
        offers = [offer for offer, _ in writes]
        results = write_offers(db, self.run.source, offers, seq=0, existing=exists_now, renamed=self.renamed)
        for offer, r in zip(offers, results, strict=True):
            self.hidden[offer.external_id] = r.offer_id
        repository.write_sources(db, [source_row.row(r.offer_id, offer.digest)
                                      for (offer, source_row), r in zip(writes, results, strict=True)],
                                 new_ids={r.offer_id for r in results if r.created})

    def drop_superseded(self) -> None:
        """After a complete read: drop hidden rows whose action ended up not created (a repeated
        action whose last occurrence was rejected)."""
        dropped = [oid for ext, oid in self.hidden.items() if self.outcomes.status.get(ext) != CREATED]
        if dropped:
            with self.database.session(write=True) as db:
                repository.delete_hidden(db, dropped, self.run.id)

    def undo(self) -> None:
        """Delete what staging wrote: hidden rows, organisations created for them, and restore the
        organisation names they refreshed."""
        discard_hidden(self.database, self.run.id)
        with self.database.session(write=True) as db:
            repository.undo_organisations(db, self.existing.max_organisation_id, self.renamed)
