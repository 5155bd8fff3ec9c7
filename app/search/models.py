"""The search indexer's bookmark: one row per Meilisearch index.

No outbox table: every catalogue write already stamps the rows it touches with the catalogue
sequence (`change_seq`), so "what is not in Meilisearch yet" is "offers changed after
`pushed_seq`". The row also holds the lease that lets a single process push at a time, and the
version of the live index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime


class SearchIndexerState(SQLModel, table=True):
    __tablename__ = "search_indexer"
    name: str = Field(primary_key=True, max_length=100)  # Meilisearch index uid
    pushed_seq: int = Field(default=0)  # every change up to this catalogue seq is in the index
    owner: str | None = Field(default=None, max_length=200)  # process holding the lease
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_push_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_error: str | None = Field(default=None, max_length=1000)
    last_error_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # shape and settings of the live index (`app.search.meili.index_version()`); another value, or
    # none, makes the indexer rebuild the index through a temporary one and a swap
    index_version: str | None = Field(default=None, max_length=64)
