"""Prescription tables: the prescription, its transition log, and entries into training.

No identity is stored: `jobseeker_ref` is the adviser tool's pseudonymous identifier, replaced by
an irreversible token after the retention period (`parcours-fle anonymise`). `publics` are
categories kept for the indicators; `publics_tags` holds them with the ones they imply
(`cir_signatory` → `immigrant`) as `|a|b|`, so SQL can filter with a portable LIKE.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.db import UTCDateTime

ACTIVE_SQL = "status IN ('pending', 'accepted')"


def _ts(nullable: bool = True, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Prescription(SQLModel, table=True):
    __tablename__ = "prescription"
    __table_args__ = (
        # One active (pending/accepted) prescription per person and session: makes the duplicate
        # check race-free on both databases.
        Index("uq_prescription_active_person", "session_id", "jobseeker_ref", unique=True,
              sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL)),
        Index("ix_prescription_status_expires_at", "status", "expires_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=9, unique=True)
    session_id: int = Field(foreign_key="session.id", index=True)
    jobseeker_ref: str = Field(max_length=100)
    publics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    publics_tags: str = Field(default="|", max_length=300)
    note: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default="pending", max_length=10)
    place_held: bool = False  # holds one of the session's live places right now
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    adviser_name: str = Field(max_length=200)
    adviser_organisation: str | None = Field(default=None, max_length=200)
    adviser_contact: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    reason_code: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False, index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    expires_at: datetime = Field(sa_column=_ts(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=_ts())
    anonymised_at: datetime | None = Field(default=None, sa_column=_ts())
    version: int = 1


class PrescriptionEvent(SQLModel, table=True):
    """The log: one row per transition (and one for the creation, `from_status` null)."""

    __tablename__ = "prescription_event"
    __table_args__ = (Index("ix_prescription_event_to_status_at", "to_status", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    prescription_id: int = Field(foreign_key="prescription.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    from_status: str | None = Field(default=None, max_length=10)
    to_status: str = Field(max_length=10)
    actor_role: str = Field(max_length=10)  # adviser | provider | admin | sync | system
    actor_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    actor_name: str = Field(max_length=200)
    via: str = Field(default="api", max_length=10)  # api | entries | expiry
    reason: str | None = Field(default=None, sa_column=Column(Text))
    reason_code: str | None = Field(default=None, max_length=40)
    place_delta: int = 0  # -1: took a live place, +1: gave it back, 0: no place moved


class Entry(SQLModel, table=True):
    """An entry into training (Kairos feed, or a provider's PATCH to `entered`)."""

    __tablename__ = "entry"
    __table_args__ = (UniqueConstraint("session_id", "jobseeker_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="session.id", index=True)
    jobseeker_ref: str = Field(max_length=100)
    entered_on: date = Field(index=True)
    publics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    publics_tags: str = Field(default="|", max_length=300)
    prescription_id: int | None = Field(default=None, foreign_key="prescription.id", unique=True)
    place_taken: bool = False  # took a live place itself (an entry without a held place)
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    anonymised_at: datetime | None = Field(default=None, sa_column=_ts())
