"""The jobseeker's profile as `POST /v1/match` receives it, and where they live.

Validated strictly (CONTRACT § Matching): unknown codes, extra fields, a missing `home`, negative
distances and impossible times are 422s naming the field. A profile is never stored nor logged:
nothing here keeps a reference to it, and none of the matching modules logs.

Semantics of the optional fields (absent ≠ empty):
- `literacy` absent: unknown — every offer passes the literacy rule (reported `unknown`).
- `publics` absent: unknown — offers reserved to some publics pass (reported `unknown`, "à
  vérifier"); `publics: []` states the person belongs to none of the listed publics, so reserved
  offers are excluded. A form with nothing ticked should omit the field.
- `availability` absent: free at any time. `availability: []` states no free time at all: every
  session with a known schedule is excluded. A form with nothing ticked should omit the field.
- `max_distance_km` absent: 20 km, unless `max_travel_minutes` is given — then only the travel
  time limit applies. Both given: both apply.
- `available_from` absent: today in Europe/Paris, resolved at match time (not at import).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from pydantic import Field, field_validator, model_validator

from app.catalogue.schemas import InseeCode, Postcode, Slot, Strict
from app.core.jsontypes import IsoDate, JsonBool, JsonFloat, JsonInt
from app.matching.geography import distance_km, unit_xyz, unit_xyz_scalar
from app.reference.catalogue_codes import Transport
from app.reference.levels import Level, Literacy, PermitGoal
from app.reference.publics import Public
from app.reference.sectors import Sector

DEFAULT_MAX_DISTANCE_KM = 20.0
DEFAULT_START_WITHIN_DAYS = 90



class Home(Strict):
    """Where the person lives: exactly one of `insee`, `postcode` or `lat` + `lon`."""

    insee: InseeCode | None = None
    postcode: Postcode | None = None
    lat: JsonFloat | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    lon: JsonFloat | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)

    @model_validator(mode="after")
    def _exactly_one(self) -> Home:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat et lon vont ensemble")
        given = sum([self.insee is not None, self.postcode is not None, self.lat is not None])
        if given != 1:
            raise ValueError("indiquer exactement un lieu : insee, postcode ou lat/lon")
        return self


class Profile(Strict):
    level: Level = Field(description="Current CEFR level (A0 = no French).")
    literacy: Literacy | None = Field(default=None, description="Schooling; absent = unknown.")
    target_level: Level | None = Field(
        default=None, description="Level to reach; else from `permit_goal`, else the next level.")
    permit_goal: PermitGoal | None = None
    sectors: list[Sector] = Field(default_factory=list, max_length=len(Sector))
    home: Home
    max_distance_km: JsonFloat | None = Field(default=None, ge=0, le=20_000, allow_inf_nan=False)
    max_travel_minutes: JsonInt | None = Field(default=None, gt=0, le=24 * 60)
    transport: Transport = Transport.PUBLIC_TRANSPORT
    remote_ok: JsonBool = False
    availability: list[Slot] | None = Field(
        default=None, max_length=100, description="Weekly slots the person is free; absent = any time.")
    available_from: IsoDate | None = Field(default=None, description="Absent = today (Europe/Paris).")
    start_within_days: JsonInt = Field(default=DEFAULT_START_WITHIN_DAYS, ge=0, le=3660)
    publics: list[Public] | None = Field(default=None, max_length=len(Public))
    needs_childcare: JsonBool = False

    @field_validator("publics")
    @classmethod
    def _person_publics(cls, v: list[Public] | None) -> list[Public] | None:
        if v is not None and Public.ALL in v:
            raise ValueError("« all » décrit une offre ouverte à tous, pas une personne")
        return v

    @model_validator(mode="after")
    def _target_not_below(self) -> Profile:
        if self.target_level is not None and self.target_level.rank < self.level.rank:
            raise ValueError("le niveau visé (target_level) est en dessous du niveau actuel")
        return self

    @property
    def effective_max_distance_km(self) -> float | None:
        """The distance limit that applies (None = none: only the travel-time limit)."""
        if self.max_distance_km is not None:
            return self.max_distance_km
        if self.max_travel_minutes is not None:
            return None
        return DEFAULT_MAX_DISTANCE_KM

    @property
    def effective_target_level(self) -> Level:
        """`target_level`, else the level `permit_goal` requires, else the next level."""
        if self.target_level is not None:
            return self.target_level
        if self.permit_goal is not None:
            return self.permit_goal.target_level
        return self.level.next()


class MatchRequest(Strict):
    profile: Profile
    limit: JsonInt = Field(default=20, ge=1, le=200)


@dataclass(frozen=True, slots=True)
class HomePoint:
    """A resolved home: coordinates, the commune name for the reasons, the région code for tension."""

    lat: float
    lon: float
    label: str | None = None
    region: str | None = None


class UnknownCommune(ValueError):
    """The home's INSEE code or postcode is not in the commune reference (→ 422 at `loc`)."""

    def __init__(self, loc: tuple[str, ...], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


HOME_LOC = ("body", "profile", "home")


def resolve_home(home: Home) -> HomePoint:
    """Coordinates (commune centroid for a code), commune name and région of the person's home."""
    from app.reference import communes

    if home.insee is not None:
        commune = communes.by_insee(home.insee)
        if commune is None:
            raise UnknownCommune((*HOME_LOC, "insee"), f"code INSEE inconnu : {home.insee}")
    elif home.postcode is not None:
        commune = communes.by_postcode(home.postcode)
        if commune is None:
            raise UnknownCommune((*HOME_LOC, "postcode"), f"code postal inconnu : {home.postcode}")
    else:
        assert home.lat is not None and home.lon is not None
        # Coordinates: no commune name in the reasons ("du domicile"), but the région of the
        # nearest commune centroid, so shortage sectors can still be assessed.
        near = _nearest_commune(home.lat, home.lon)
        return HomePoint(lat=home.lat, lon=home.lon, label=None, region=near.region if near else None)
    return HomePoint(lat=float(commune.lat), lon=float(commune.lon), label=commune.name,
                     region=commune.region)


NEAREST_MAX_KM = 30.0  # farther than this from any commune centroid (at sea, abroad): région unknown


@cache
def _commune_points() -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    from app.reference import communes

    everything = communes.all_communes()
    lat = np.array([c.lat for c in everything], dtype=np.float64)
    lon = np.array([c.lon for c in everything], dtype=np.float64)
    x, y, z = unit_xyz(lat, lon)
    return everything, x, y, z


def _nearest_commune(lat: float, lon: float):
    """The commune whose centroid is nearest (None beyond NEAREST_MAX_KM)."""
    everything, x, y, z = _commune_points()
    if not everything:
        return None
    dist = distance_km(x, y, z, unit_xyz_scalar(lat, lon))
    i = int(np.argmin(dist))
    return everything[i] if dist[i] <= NEAREST_MAX_KM else None
