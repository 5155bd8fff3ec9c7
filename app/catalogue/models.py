"""Catalogue tables: organisations, offers (one LHÉO action each), sessions and their links."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime


def _ts(nullable: bool = True, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class CatalogueState(SQLModel, table=True):
    """One row: the catalogue's change counter on SQLite, where writers run one at a time. On
    PostgreSQL the stamps come from a sequence instead (app/catalogue/stamps.py, migration 0007)."""

    __tablename__ = "catalogue_state"
    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"
    id: int | None = Field(default=None, primary_key=True)
    siret: str | None = Field(default=None, max_length=14, unique=True)
    name: str = Field(max_length=300)


class Offer(SQLModel, table=True):
    __tablename__ = "offer"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_offer_updated_at_id", "updated_at", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # No index of its own on `source`: uq_offer_source_external_id (source, external_id) serves it.
    source: str = Field(max_length=60)
    external_id: str = Field(max_length=120)
    formation_id: str | None = Field(default=None, max_length=120)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=500)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    kind: str = Field(max_length=20, index=True)
    entry_min: str | None = Field(default=None, max_length=4)
    entry_max: str | None = Field(default=None, max_length=4)
    # Level ranks (0 = A0 … 7 = C2) so SQL can compare levels; null = unknown.
    entry_min_rank: int | None = None
    entry_max_rank: int | None = None
    target_level: str | None = Field(default=None, max_length=4)
    literacy_accepted: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rome_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    formacodes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    modality: str = Field(max_length=10)
    hours_total: float | None = None
    hours_per_week: float | None = None
    childcare: bool | None = None
    cost_to_learner: float | None = None
    certification: str | None = Field(default=None, max_length=100)
    quality: float = 0.0
    content_hash: str = Field(max_length=64)
    raw_source: str | None = Field(default=None, sa_column=Column(Text))
    raw_format: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    source_updated_at: datetime | None = Field(default=None, sa_column=_ts())
    withdrawn_at: datetime | None = Field(default=None, sa_column=_ts())
    change_seq: int = Field(default=0, index=True)


class OfferFunder(SQLModel, table=True):
    __tablename__ = "offer_funder"
    offer_id: int = Field(foreign_key="offer.id", primary_key=True, ondelete="CASCADE")
    funder: str = Field(max_length=20, primary_key=True, index=True)


class OfferSector(SQLModel, table=True):
    __tablename__ = "offer_sector"
    offer_id: int = Field(foreign_key="offer.id", primary_key=True, ondelete="CASCADE")
    sector: str = Field(max_length=40, primary_key=True, index=True)


class OfferPublic(SQLModel, table=True):
    """`role` = 'publics' (who may enter) or 'audience' (who it is designed for)."""

    __tablename__ = "offer_public"
    offer_id: int = Field(foreign_key="offer.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(max_length=10, primary_key=True)
    public: str = Field(max_length=20, primary_key=True)


class TrainingSession(SQLModel, table=True):
    __tablename__ = "session"
    __table_args__ = (
        UniqueConstraint("offer_id", "external_id"),
        Index("ix_session_status_start", "status", "start_date"),
        # The offer list's "has a live session in this département / région" EXISTS probes one
        # (place, offer) pair per offer; an index on the place alone scans the place's sessions
        # per offer (docs/deployment.md, "Query plans"). tests/catalogue/test_query_plans.py.
        Index("ix_session_departement_offer", "departement", "offer_id"),
        Index("ix_session_region_offer", "region", "offer_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # uq_session_offer_id_external_id (offer_id, external_id) serves lookups by offer; distances and
    # dates are filtered in memory (matching snapshot, search index), not by SQL: no index on them.
    offer_id: int = Field(foreign_key="offer.id", ondelete="CASCADE")
    external_id: str = Field(max_length=120)
    start_date: date | None = None
    end_date: date | None = None
    start_precision: str = Field(default="day", max_length=5)
    end_precision: str = Field(default="day", max_length=5)
    rolling_entry: bool = False
    schedule: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    address: str | None = Field(default=None, max_length=500)
    postcode: str | None = Field(default=None, max_length=5)
    insee: str | None = Field(default=None, max_length=5)
    city: str | None = Field(default=None, max_length=200)
    departement: str | None = Field(default=None, max_length=3)
    region: str | None = Field(default=None, max_length=3)
    lat: float | None = None
    lon: float | None = None
    capacity: int | None = None
    # Live count (CONTRACT § Live places) and the last figure the organisation or feed stated.
    places_available: int | None = None
    places_stated: int | None = None
    places_updated_at: datetime | None = Field(default=None, sa_column=_ts())
    funded_places: int | None = None
    status: str = Field(default="open", max_length=10)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=_ts())
    change_seq: int = Field(default=0, index=True)
