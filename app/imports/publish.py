"""Publish: the one write transaction that makes a staged import visible, all or nothing.

It applies the spilled changes through `write_offers` (the batched path the PUT endpoint uses),
reveals the run's hidden rows with one indexed UPDATE (`change_seq = -run id` → a new stamp,
`withdrawn_at` → NULL, `updated_at` → now), withdraws what a full feed no longer has, and records the
run as succeeded. A nightly re-import's diff is small; a first national import's publish is the
reveal statement alone. Afterwards, outside it, the fragments of unchanged offers are refreshed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session

from app.catalogue import repository as catalogue
from app.catalogue.rows import PreparedOffer
from app.catalogue.service import write_offers
from app.catalogue.stamps import next_change_seq
from app.core.clock import utcnow
from app.core.db import Database
from app.imports import repository
from app.imports.items import SourceRow
from app.imports.report import ImportReport
from app.imports.runs import Run
from app.imports.staging import Staging

BATCH = 500  # offers per write_offers call, `offer_source` rows per refresh transaction

T = TypeVar("T")


def _batches(items: Iterable[T], n: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


def publish_run(database: Database, run: Run, staging: Staging, report: ImportReport) -> None:
    """Apply what `staging` holds and record the run as succeeded, in one write transaction."""
    withdraw = staging.existing.absent(staging.outcomes.present()) if run.mode == "full" else []
    started = time.perf_counter()
    with database.session(write=True) as db:
        now = utcnow()
        for batch in _batches(staging.pending.changed_offers(staging.outcomes), BATCH):
            _apply_changes(db, run.source, batch, now)
        if staging.hidden or withdraw:
            seq = next_change_seq(db)
            if staging.hidden:
                repository.reveal_hidden(db, run.id, now, seq)
            if withdraw:
                catalogue.withdraw_offers(db, withdraw, now, seq)
        report.withdrawn = len(withdraw)
        run.finish(db, "succeeded", report, bytes_read=report.bytes_read)
    report.publish_ms = round((time.perf_counter() - started) * 1000)


def _apply_changes(db: Session, source: str, batch: list[tuple[PreparedOffer, SourceRow]], now: datetime) -> None:
    results = write_offers(db, source, [offer for offer, _ in batch], now=now)
    repository.write_sources(db, [source_row.row(r.offer_id, offer.digest)
                                  for (offer, source_row), r in zip(batch, results, strict=True)])


def refresh_sources(database: Database, staging: Staging) -> None:
    """After the publish: store the new raw fragment and `source_hash` of offers whose content did
    not change (so the next import skips them). Not a catalogue change: no stamp, `updated_at`
    kept. Lost if the process dies now, which only means the next import maps them again."""
    for rows in _batches(staging.pending.refreshed_sources(staging.outcomes), BATCH):
        with staging.pause.writing(database) as db:
            repository.write_sources(db, rows)
