"""Catalogue payloads: what a PUT accepts and what a GET returns (CONTRACT § Catalogue).

`OfferIn`/`SessionIn` are also what the LHÉO mapper and the demo seed produce, so every way into
the catalogue goes through the same validation.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.core.jsontypes import IsoDate, IsoDatetime, JsonBool, JsonFloat, JsonInt
from app.reference.catalogue_codes import DatePrecision, Day, Kind, Modality, SessionStatus
from app.reference.funders import Funder
from app.reference.levels import Level, Literacy
from app.reference.publics import Public
from app.reference.sectors import Sector

# A source names who feeds offers: a CARIF (carif-idf) or an organisation publishing itself (of-<siret>).
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,59}$"

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _check_time(v: str) -> str:
    if not _HHMM.match(v):
        raise ValueError("heure attendue au format HH:MM (00:00 à 24:00)")
    return v


HHMM = Annotated[str, AfterValidator(_check_time)]
Siret = Annotated[str, Field(pattern=r"^\d{14}$", description="14-digit SIRET")]
InseeCode = Annotated[str, Field(pattern=r"^(\d{5}|2[AB]\d{3})$", description="INSEE commune code")]
Postcode = Annotated[str, Field(pattern=r"^\d{5}$")]


def _unique(v: list) -> list:
    """Duplicates dropped, first occurrences kept in order (every element is hashable: codes)."""
    return list(dict.fromkeys(v))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Slot(Strict):
    """A weekly time slot: a session's class time or a person's availability."""

    day: Day
    start: HHMM
    end: HHMM

    @model_validator(mode="after")
    def _ordered(self) -> Slot:
        if self.end <= self.start:
            raise ValueError("l'heure de fin doit être après l'heure de début")
        return self


class Organisation(Strict):
    name: str = Field(min_length=1, max_length=300)
    siret: Siret | None = None


class LevelRange(Strict):
    min: Level | None = None
    max: Level | None = None

    @model_validator(mode="after")
    def _ordered(self) -> LevelRange:
        if self.min is not None and self.max is not None and self.min.rank > self.max.rank:
            raise ValueError("le niveau d'entrée minimum est au-dessus du maximum")
        return self


class LocationIn(Strict):
    """A place. Giving only `insee` or `postcode` is enough: the server fills the rest."""

    address: str | None = Field(default=None, max_length=500)
    postcode: Postcode | None = None
    insee: InseeCode | None = None
    city: str | None = Field(default=None, max_length=200)
    departement: str | None = Field(default=None, max_length=3)
    region: str | None = Field(default=None, max_length=3)
    lat: JsonFloat | None = Field(default=None, ge=-90, le=90)
    lon: JsonFloat | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _locatable(self) -> LocationIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat et lon vont ensemble")
        if self.insee is None and self.postcode is None and self.lat is None:
            raise ValueError("indiquer au moins insee, postcode ou lat/lon")
        return self


class Location(BaseModel):
    address: str | None = None
    postcode: str | None = None
    insee: str | None = None
    city: str | None = None
    departement: str | None = None
    region: str | None = None
    lat: float | None = None
    lon: float | None = None


class SessionIn(Strict):
    external_id: str = Field(min_length=1, max_length=120)
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    start_precision: DatePrecision = DatePrecision.DAY
    end_precision: DatePrecision = DatePrecision.DAY
    rolling_entry: JsonBool = False
    schedule: list[Slot] = Field(default_factory=list, max_length=50)
    location: LocationIn | None = None
    capacity: JsonInt | None = Field(default=None, ge=0, le=100_000)
    places_available: JsonInt | None = Field(default=None, ge=0, le=100_000)
    funded_places: JsonInt | None = Field(default=None, ge=0, le=100_000)
    status: SessionStatus = SessionStatus.OPEN

    @model_validator(mode="after")
    def _dates(self) -> SessionIn:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("la date de fin est avant la date de début")
        return self


class OfferIn(Strict):
    """Body of `PUT /v1/offers/{source}/{external_id}` (and the output of every importer)."""

    title: str = Field(min_length=1, max_length=500)
    summary: str | None = Field(default=None, max_length=10_000)
    kind: Kind
    organisation: Organisation
    funders: Annotated[list[Funder], AfterValidator(_unique)] = Field(default_factory=list)
    entry_level: LevelRange = Field(default_factory=LevelRange)
    target_level: Level | None = None
    literacy_accepted: Annotated[list[Literacy], AfterValidator(_unique)] = Field(default_factory=list)
    sectors: Annotated[list[Sector], AfterValidator(_unique)] = Field(default_factory=list)
    rome_codes: Annotated[list[Annotated[str, Field(pattern=r"^[A-N]\d{4}$")]], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=50)
    formacodes: Annotated[list[Annotated[str, Field(pattern=r"^\d{5}$")]], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=50)
    modality: Modality = Modality.IN_PERSON
    hours_total: JsonFloat | None = Field(default=None, ge=0, le=10_000)
    hours_per_week: JsonFloat | None = Field(default=None, ge=0, le=80)
    publics: Annotated[list[Public], AfterValidator(_unique)] = Field(default_factory=list)
    audience: Annotated[list[Public], AfterValidator(_unique)] = Field(default_factory=list)
    childcare: JsonBool | None = None
    cost_to_learner: JsonFloat | None = Field(default=None, ge=0, le=100_000)
    certification: str | None = Field(default=None, max_length=100)
    source_updated_at: IsoDatetime | None = None
    formation_id: str | None = Field(default=None, max_length=120)
    sessions: list[SessionIn] = Field(default_factory=list, max_length=2000)

    @field_validator("sessions")
    @classmethod
    def _distinct_sessions(cls, v: list[SessionIn]) -> list[SessionIn]:
        ids = [s.external_id for s in v]
        if len(ids) != len(set(ids)):
            raise ValueError("deux sessions ont le même external_id")
        return v


class SessionOut(BaseModel):
    id: int
    offer_id: int
    external_id: str
    start_date: date | None
    end_date: date | None
    start_precision: DatePrecision
    end_precision: DatePrecision
    rolling_entry: bool
    schedule: list[Slot]
    location: Location | None
    capacity: int | None
    places_available: int | None
    places_updated_at: datetime | None
    funded_places: int | None = None
    status: SessionStatus


class OfferOut(BaseModel):
    id: int
    source: str
    external_id: str
    formation_id: str | None = None
    title: str
    summary: str | None
    kind: Kind
    organisation: Organisation
    funders: list[Funder]
    entry_level: LevelRange
    target_level: Level | None
    literacy_accepted: list[Literacy]
    sectors: list[Sector]
    rome_codes: list[str]
    formacodes: list[str]
    modality: Modality
    hours_total: float | None
    hours_per_week: float | None
    publics: list[Public]
    audience: list[Public]
    childcare: bool | None
    cost_to_learner: float | None
    certification: str | None
    created_at: datetime
    updated_at: datetime
    source_updated_at: datetime | None
    quality: float
    withdrawn: bool = False
    sessions: list[SessionOut]


class WithdrawnMarker(BaseModel):
    """What `GET /v1/offers?modified_after=` returns for a withdrawn offer."""

    id: int
    source: str
    external_id: str
    withdrawn: bool = True
    updated_at: datetime


class OfferPage(BaseModel):
    items: list[OfferOut | WithdrawnMarker]
    next_cursor: str | None


class PlacesUpdate(Strict):
    places_available: JsonInt = Field(ge=0, le=100_000)
    capacity: JsonInt | None = Field(default=None, ge=0, le=100_000)
