"""What the import routes answer: an import's report, its run record, an offer's raw source."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.imports.models import ImportRun


class ImportRejected(BaseModel):
    ref: str = Field(description="action/@numero (or formation/@numero/action[i] when it has none)")
    errors: list[str]


class ImportWarning(BaseModel):
    ref: str
    msg: str


class ImportReportOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    withdrawn: int
    skipped: int = Field(description="Actions left out on purpose (not FLE, lheo-index summaries)")
    rejected: list[ImportRejected] = Field(description="Invalid actions, not imported (at most 10,000 listed)")
    warnings: list[ImportWarning] = Field(description="Imported with a remark (at most 10,000 listed)")
    import_id: int | None = Field(description="The run's record: GET /v1/imports/{id}")
    duration_ms: int
    dry_run: bool
    mode: Literal["full", "delta"]
    source: str
    version: str | None = Field(description="LHÉO version of the document: 2.2 | 2.3")
    rejected_total: int
    warnings_total: int
    publish_ms: int | None = Field(description="How long the publishing transaction held the write lock")
    bytes_read: int


class ImportActor(BaseModel):
    key_id: int | None
    name: str
    role: str
    channel: Literal["api", "cli"]


class ImportRunOut(BaseModel):
    id: int
    source: str
    format: str
    mode: str
    dry_run: bool
    actor: ImportActor
    status: Literal["running", "succeeded", "failed", "refused"]
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    publish_ms: int | None
    bytes_read: int | None
    counts: dict[str, int] = Field(description="created, updated, unchanged, withdrawn, skipped, rejected, warnings")
    error: str | None

    @classmethod
    def of(cls, r: ImportRun) -> ImportRunOut:
        return cls(
            id=r.id, source=r.source, format=r.format, mode=r.mode, dry_run=r.dry_run,
            actor=ImportActor(key_id=r.actor_key_id, name=r.actor_name, role=r.actor_role, channel=r.channel),
            status=r.status, started_at=r.started_at, finished_at=r.finished_at, duration_ms=r.duration_ms,
            publish_ms=r.publish_ms, bytes_read=r.bytes_read, counts=r.counts or {}, error=r.error)


class ImportRunPage(BaseModel):
    items: list[ImportRunOut]
    next_cursor: str | None


class OfferSourceOut(BaseModel):
    offer_id: int
    source: str
    external_id: str
    format: str | None = Field(description="e.g. lheo-2.3")
    raw: str = Field(description="The feed fragment the offer was mapped from (personal contact fields removed)")
