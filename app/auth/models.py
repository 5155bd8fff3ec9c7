"""API keys and the idempotency store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime


class ApiKey(SQLModel, table=True):
    """A key is shown once; only its SHA-256 is kept. `prefix` (public) finds the row quickly."""

    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    role: str = Field(max_length=10)
    source: str | None = Field(default=None, max_length=60)
    siret: str | None = Field(default=None, max_length=14)
    name: str = Field(max_length=200)
    organisation: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class IdempotencyRecord(SQLModel, table=True):
    """First answer to a write sent with an `Idempotency-Key`, scoped to (API key, route, key)."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("api_key_id", "route", "idem_key"),)
    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    route: str = Field(max_length=200)
    idem_key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
