"""Ingestion tables: one row per import run (`import_run`), and the raw feed fragment each imported
offer was mapped from (`offer_source`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime


class OfferSource(SQLModel, table=True):
    """The feed fragment an imported offer was mapped from (`GET /v1/offers/{id}/source`) and what the
    importer needs to skip it next time: `source_hash` (fragment + mapper), `content_hash` (the offer's
    content hash it produced: a later PUT makes them differ), `source_hash_until` (the day the same
    fragment may map differently: a session ends). Kept out of `offer` so that stamping or revealing
    offers rewrites narrow rows."""

    __tablename__ = "offer_source"
    offer_id: int = Field(foreign_key="offer.id", primary_key=True, ondelete="CASCADE")
    format: str = Field(max_length=20)
    raw: str = Field(sa_column=Column(Text, nullable=False))
    source_hash: str = Field(max_length=64)
    content_hash: str = Field(max_length=64)
    source_hash_until: date | None = None


class ImportRun(SQLModel, table=True):
    """One feed import (HTTP or command line): who, when, which source and mode, how it ended, its counts.

    `status`: running | succeeded | failed (crash, rolled back) | refused (document not importable).
    `publish_ms`: how long the final write transaction (the one that makes the import visible) held
    the writer lock. `heartbeat_at` tells a live run from one whose process died."""

    __tablename__ = "import_run"
    __table_args__ = (Index("ix_import_run_source_status", "source", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=60)
    format: str = Field(default="lheo", max_length=20)
    mode: str = Field(max_length=10)
    dry_run: bool = False
    channel: str = Field(default="api", max_length=10)
    actor_key_id: int | None = None
    actor_name: str = Field(max_length=200)
    actor_role: str = Field(max_length=10)
    status: str = Field(default="running", max_length=10)
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    heartbeat_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    duration_ms: int | None = None
    publish_ms: int | None = None
    bytes_read: int | None = Field(default=None, sa_column=Column(BigInteger))
    counts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text))
